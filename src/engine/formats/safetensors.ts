/**
 * safetensors (Hugging Face): an 8-byte little-endian header length, a JSON header
 * { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": { string: string } }, then the raw
 * little-endian tensor bytes. Written as F32 (or F16 / BF16 when a tensor asks), tensors in the order given, 8-byte aligned header;
 * read as F32, F16 or BF16 (converted to Float32Array).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { InputError } from '../../util/errors.js';
import { float32ToBfloat16Bits, float32ToFloat16Bits } from './gguf.js';

export interface SafetensorsTensor {
  shape: number[];
  data: Float32Array;
  /** Storage when written (default F32; F16 and BF16 round to nearest even). */
  dtype?: 'F32' | 'F16' | 'BF16';
}

const WIDTH = { F32: 4, F16: 2, BF16: 2 } as const;

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

export function encodeSafetensors(tensors: ReadonlyMap<string, SafetensorsTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, { shape, data, dtype = 'F32' }] of tensors) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`safetensors: ${name} has ${data.length} values for shape [${shape.join(', ')}]`);
    header[name] = { dtype, shape, data_offsets: [offset, offset + data.length * WIDTH[dtype]] };
    offset += data.length * WIDTH[dtype];
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const { data, dtype = 'F32' } of tensors.values()) {
    if (dtype !== 'F32') {
      const toBits = dtype === 'F16' ? float32ToFloat16Bits : float32ToBfloat16Bits;
      for (let i = 0; i < data.length; i++) view.setUint16(at + i * 2, toBits(data[i] as number), true);
    } else if (isLittleEndian) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    else for (let i = 0; i < data.length; i++) view.setFloat32(at + i * 4, data[i] as number, true);
    at += data.length * WIDTH[dtype];
  }
  return out;
}

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function decodeSafetensors(bytes: Uint8Array, file?: string): SafetensorsFile {
  const fail = (message: string, field?: string): never => {
    throw new InputError(`not a valid safetensors file: ${message}`, { file, field });
  };
  if (bytes.length < 8) fail('shorter than its 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.length) fail(`header length ${headerLength} runs past the end of the file`);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8'));
  } catch (error) {
    fail(`header is not JSON (${(error as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) return fail('header is not a JSON object');
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, SafetensorsTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (entry ?? {}) as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const shape = Array.isArray(e.shape) && e.shape.every((d) => Number.isInteger(d) && d >= 0) ? (e.shape as number[]) : fail('bad shape', name);
    const offsets = Array.isArray(e.data_offsets) && e.data_offsets.length === 2 ? (e.data_offsets as number[]) : fail('bad data_offsets', name);
    const [begin, end] = offsets as [number, number];
    const size = shape.reduce((a, b) => a * b, 1);
    const width = { F32: 4, F16: 2, BF16: 2 }[String(e.dtype)] ?? fail(`unsupported dtype ${String(e.dtype)} (F32, F16, BF16 are)`, name);
    if (end - begin !== size * width || dataStart + end > bytes.length) fail('data_offsets do not match the shape or the file', name);
    const data = new Float32Array(size);
    const at = dataStart + begin;
    for (let i = 0; i < size; i++) {
      if (e.dtype === 'F32') data[i] = view.getFloat32(at + 4 * i, true);
      else if (e.dtype === 'F16') data[i] = view.getFloat16 ? view.getFloat16(at + 2 * i, true) : halfToFloat(view.getUint16(at + 2 * i, true));
      else data[i] = bf16ToFloat(view.getUint16(at + 2 * i, true));
    }
    tensors.set(name, { shape, data });
  }
  return { tensors, metadata };
}

declare global {
  interface DataView {
    getFloat16?(byteOffset: number, littleEndian?: boolean): number;
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

const bf16Scratch = new DataView(new ArrayBuffer(4));
function bf16ToFloat(b: number): number {
  bf16Scratch.setUint32(0, b << 16);
  return bf16Scratch.getFloat32(0);
}

export async function writeSafetensors(path: string, tensors: ReadonlyMap<string, SafetensorsTensor>, metadata: Record<string, string> = {}): Promise<void> {
  await writeFile(path, encodeSafetensors(tensors, metadata));
}

export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? ''})`, { file: path });
  }
  return decodeSafetensors(bytes, path);
}
