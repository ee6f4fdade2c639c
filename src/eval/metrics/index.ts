/** Text-overlap metrics for free-text answers. */
export { bleu, bleuDetails, bleuFromStatistics, sentenceBleu, type BleuOptions, type BleuResult, type BleuSmoothing } from './bleu.js';
export { lcsLength, rougeL, rougeTokenize, type RougeScore } from './rouge.js';
export { tokenize13a } from './tokenize13a.js';
export { answerEditSimilarity, answerTokens, editDistance } from './editDistance.js';
