/**
 * The training backend used when none is chosen: ONNX Runtime's native kernels when onnxruntime-node is
 * installed, else tfjs. onnxruntime-node is an optional dependency because its install script downloads
 * CUDA libraries from NuGet on linux x64, which fails on a machine that reaches only the npm registry.
 */
import type { TrainBackend } from './trainChoices.js';

let chosen: Promise<TrainBackend> | undefined;

export function defaultTrainBackend(): Promise<TrainBackend> {
  chosen ??= import('onnxruntime-node').then(
    (): TrainBackend => 'onnx',
    (error: unknown): TrainBackend => {
      process.stderr.write(
        `note: training with tfjs (WebAssembly): ONNX Runtime is not installed (${error instanceof Error ? error.message.split('\n')[0] : String(error)}). ` +
          'For the faster default backend: npm install onnxruntime-node@1.30.0 --onnxruntime-node-install=skip\n',
      );
      return 'tfjs';
    },
  );
  return chosen;
}
