/** A varied text corpus for tokenizer comparisons: code, numbers, whitespace runs, non-Latin scripts, emoji, special tokens. */
export const CORPUS = [
  'Hello world',
  "The quick brown fox jumps over the lazy dog. I've been told he's there; 'RE you sure? We'Ve a'lL",
  'function add(a, b) {\n\treturn a + b; // sum\n}\n\nconsole.log(add(2, 3));',
  'def f(x):\n    if x > 0:\n        return [i ** 2 for i in range(x)]\n    return None\n',
  '3 33 333 3333 33333 333333 3.14159 1,234,567.89 -42 1e-5 0x1F 2026-12-07 10:30',
  '   leading spaces, trailing spaces   ',
  'tabs\t\tand\n\n\nnewlines\r\n\r\nand   \n   mixed \t \n',
  '          ',
  '日本語のテキストです。我想在apple工作1314151天～',
  'нещо на Български, Ελληνικά, עברית, العربية, हिन्दी, ไทย, 한국어 텍스트',
  'កាន់តែពិសេសអាច Tiếng Việt có dấu',
  'emoji 🚀 (normal) 😶\u200d🌫️ ✅ 🦙🦙 👩‍👩‍👧‍👦 🇫🇷 1️⃣',
  "''''''```````\"\"\"\"......!!!!!!?????? ------=======",
  'Special tokens as text: <|im_start|>user\nhi<|im_end|> <|begin_of_text|> <|eot_id|> <think>x</think>',
  'A<|endoftext|>B<|end_of_text|>C',
  '',
];
