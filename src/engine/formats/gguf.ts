/**
 * GGUF v3: the file format of llama.cpp (ggml docs/gguf.md). A writer for the engine's exports and tests,
 * and a small reader for inspection and round-trip tests.
 *
 * Layout (all little-endian):
 *   header       "GGUF", version u32 (= 3), tensor count u64, metadata count u64
 *   metadata     key (string), value type u32, value                              (repeated)
 *   tensor infos name (string), n_dims u32, dims u64[n_dims], ggml type u32, offset u64   (repeated)
 *   padding      zeros up to a multiple of the alignment (general.alignment, default 32)
 *   tensor data  each tensor at its offset (relative to the start of this section), each offset a multiple
 *                of the alignment, zero padding between tensors
 * A string is a u64 byte length then UTF-8 bytes (no terminator); an array is the item type u32, a u64
 * count, then the items.
 *
 * Dimensions: GGUF lists dims fastest-varying first (ggml's ne[0] is the row length), the reverse of a
 * row-major (numpy / PyTorch) shape. Tensors here are given and returned with their row-major `shape`; the
 * writer reverses it into dims and the reader reverses it back.
 */
import { open, readFile } from 'node:fs/promises';

export const GGUF_MAGIC = 'GGUF';
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Metadata value types, numbered as in the spec (gguf_metadata_value_type). */
export const GGUF_VALUE_TYPE = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

export type GgufValueTypeName = keyof typeof GGUF_VALUE_TYPE;
export type GgufNumberType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';
export type GgufBigType = 'uint64' | 'int64';
export type GgufScalarType = GgufNumberType | GgufBigType | 'bool' | 'string';

/** A typed metadata value. 64-bit integers are bigints (numbers are accepted by the writer when safe). */
export type GgufValue =
  | { type: GgufNumberType; value: number }
  | { type: GgufBigType; value: bigint | number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | GgufArray;

export type GgufArray =
  | { type: 'array'; itemType: GgufNumberType; value: readonly number[] | ArrayLike<number> }
  | { type: 'array'; itemType: GgufBigType; value: ReadonlyArray<bigint | number> }
  | { type: 'array'; itemType: 'bool'; value: readonly boolean[] }
  | { type: 'array'; itemType: 'string'; value: readonly string[] }
  | { type: 'array'; itemType: 'array'; value: readonly GgufArray[] };

/** Shorthands for typed values: `gguf.uint32(4)`, `gguf.array('string', ['a', 'b'])`. */
export const gguf = {
  uint8: (value: number): GgufValue => ({ type: 'uint8', value }),
  int8: (value: number): GgufValue => ({ type: 'int8', value }),
  uint16: (value: number): GgufValue => ({ type: 'uint16', value }),
  int16: (value: number): GgufValue => ({ type: 'int16', value }),
  uint32: (value: number): GgufValue => ({ type: 'uint32', value }),
  int32: (value: number): GgufValue => ({ type: 'int32', value }),
  float32: (value: number): GgufValue => ({ type: 'float32', value }),
  float64: (value: number): GgufValue => ({ type: 'float64', value }),
  uint64: (value: bigint | number): GgufValue => ({ type: 'uint64', value }),
  int64: (value: bigint | number): GgufValue => ({ type: 'int64', value }),
  bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
  string: (value: string): GgufValue => ({ type: 'string', value }),
  array: ((itemType: GgufScalarType | 'array', value: unknown) => ({ type: 'array', itemType, value })) as {
    (itemType: GgufNumberType, value: readonly number[] | ArrayLike<number>): GgufArray;
    (itemType: GgufBigType, value: ReadonlyArray<bigint | number>): GgufArray;
    (itemType: 'bool', value: readonly boolean[]): GgufArray;
    (itemType: 'string', value: readonly string[]): GgufArray;
    (itemType: 'array', value: readonly GgufArray[]): GgufArray;
  },
};

/** ggml tensor types this module can write and decode (ggml_type numbering). */
export const GGML_TYPE = { f32: 0, f16: 1, q8_0: 8, bf16: 30 } as const;
export type GgmlTensorType = keyof typeof GGML_TYPE;

export interface GgufTensor {
  name: string;
  /** Row-major shape (numpy order: last dimension varies fastest). */
  shape: readonly number[];
  /** Storage type in the file. Default 'f32'. */
  type?: GgmlTensorType;
  /** Values in row-major order; converted to `type` when written. */
  data: Float32Array;
}

export interface GgufFile {
  /** Metadata in the order it is written. A `general.alignment` entry (uint32) sets the alignment. */
  metadata: ReadonlyMap<string, GgufValue> | Readonly<Record<string, GgufValue>>;
  tensors: readonly GgufTensor[];
}

// ---------------------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------------------

const utf8Encoder = new TextEncoder();

/** GGUF's fixed-size scalar types, each read and written little-endian through its DataView accessors. */
type FixedType = GgufNumberType | GgufBigType;

interface FixedScalar {
  bytes: number;
  get(view: DataView, at: number): number | bigint;
  set(view: DataView, at: number, value: number | bigint): void;
  /** The values an integer type holds (the writer refuses others; DataView would wrap them). */
  range?: readonly [bigint, bigint];
}

const FIXED: Record<FixedType, FixedScalar> = {
  uint8: { bytes: 1, get: (v, at) => v.getUint8(at), set: (v, at, x) => v.setUint8(at, Number(x)), range: [0n, 0xffn] },
  int8: { bytes: 1, get: (v, at) => v.getInt8(at), set: (v, at, x) => v.setInt8(at, Number(x)), range: [-0x80n, 0x7fn] },
  uint16: { bytes: 2, get: (v, at) => v.getUint16(at, true), set: (v, at, x) => v.setUint16(at, Number(x), true), range: [0n, 0xffffn] },
  int16: { bytes: 2, get: (v, at) => v.getInt16(at, true), set: (v, at, x) => v.setInt16(at, Number(x), true), range: [-0x8000n, 0x7fffn] },
  uint32: { bytes: 4, get: (v, at) => v.getUint32(at, true), set: (v, at, x) => v.setUint32(at, Number(x), true), range: [0n, 0xffffffffn] },
  int32: { bytes: 4, get: (v, at) => v.getInt32(at, true), set: (v, at, x) => v.setInt32(at, Number(x), true), range: [-0x80000000n, 0x7fffffffn] },
  float32: { bytes: 4, get: (v, at) => v.getFloat32(at, true), set: (v, at, x) => v.setFloat32(at, Number(x), true) },
  float64: { bytes: 8, get: (v, at) => v.getFloat64(at, true), set: (v, at, x) => v.setFloat64(at, Number(x), true) },
  uint64: { bytes: 8, get: (v, at) => v.getBigUint64(at, true), set: (v, at, x) => v.setBigUint64(at, BigInt(x), true), range: [0n, 2n ** 64n - 1n] },
  int64: { bytes: 8, get: (v, at) => v.getBigInt64(at, true), set: (v, at, x) => v.setBigInt64(at, BigInt(x), true), range: [-(2n ** 63n), 2n ** 63n - 1n] },
};

/** Grows as bytes are appended; used for the header (metadata and tensor infos). */
class ByteWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  fixed(type: FixedType, value: number | bigint): void {
    const { bytes, set } = FIXED[type];
    this.ensure(bytes);
    set(this.view, this.length, value);
    this.length += bytes;
  }
  u32(v: number): void {
    this.fixed('uint32', checkedFixed('uint32', v));
  }
  u64(v: number): void {
    this.fixed('uint64', checkedFixed('uint64', v));
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  string(s: string): void {
    const b = utf8Encoder.encode(s);
    this.u64(b.length);
    this.bytes(b);
  }
  zeros(n: number): void {
    this.ensure(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  result(): Buffer {
    return Buffer.from(this.buf.buffer, 0, this.length);
  }
}

/** `v` as a value of `type`: an integer type takes only integers in its range (64-bit ones as bigints or safe numbers). */
function checkedFixed(type: FixedType, v: unknown): number | bigint {
  const { range } = FIXED[type];
  if (!range) return v as number;
  const isBig = type === 'uint64' || type === 'int64';
  if (isBig && typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError(`GGUF: 64-bit integer value ${v} is not a safe integer`);
  const integer = typeof v === 'bigint' ? (isBig ? v : undefined) : Number.isInteger(v) ? BigInt(v as number) : undefined;
  if (integer === undefined || integer < range[0] || integer > range[1]) throw new RangeError(`GGUF: ${String(v)} is not a valid ${type}`);
  return isBig ? integer : Number(integer);
}

function writeScalar(w: ByteWriter, type: GgufScalarType, v: unknown): void {
  if (type === 'bool') {
    if (typeof v !== 'boolean') throw new TypeError(`GGUF: ${String(v)} is not a bool`);
    return w.fixed('uint8', v ? 1 : 0);
  }
  if (type === 'string') {
    if (typeof v !== 'string') throw new TypeError(`GGUF: ${String(v)} is not a string`);
    return w.string(v);
  }
  w.fixed(type, checkedFixed(type, v));
}

function writeValue(w: ByteWriter, value: GgufValue): void {
  if (value.type !== 'array') {
    writeScalar(w, value.type, value.value);
    return;
  }
  const itemTypeId = GGUF_VALUE_TYPE[value.itemType];
  if (itemTypeId === undefined) throw new TypeError(`GGUF: unknown array item type ${String(value.itemType)}`);
  w.u32(itemTypeId);
  const items = value.value as ArrayLike<unknown>;
  w.u64(items.length);
  for (let i = 0; i < items.length; i++) {
    if (value.itemType === 'array') {
      const inner = items[i] as GgufArray;
      if (inner?.type !== 'array') throw new TypeError('GGUF: an array of arrays must hold arrays');
      writeValue(w, inner);
    } else {
      writeScalar(w, value.itemType, items[i]);
    }
  }
}

function metadataEntries(metadata: GgufFile['metadata']): Array<[string, GgufValue]> {
  return metadata instanceof Map ? [...metadata] : Object.entries(metadata as Record<string, GgufValue>);
}

function alignmentOf(entries: ReadonlyArray<[string, GgufValue]>): number {
  const entry = entries.find(([key]) => key === 'general.alignment');
  if (!entry) return GGUF_DEFAULT_ALIGNMENT;
  const [, value] = entry;
  if (value.type !== 'uint32' || value.value <= 0 || value.value % 8 !== 0) {
    throw new RangeError('GGUF: general.alignment must be a uint32 that is a positive multiple of 8');
  }
  return value.value;
}

const alignUp = (n: number, alignment: number): number => Math.ceil(n / alignment) * alignment;

/** Q8_0: blocks of 32 values along a row, each an f16 scale and 32 int8 (ggml's block_q8_0). */
const Q8_0_BLOCK = 32;
const Q8_0_BLOCK_BYTES = 2 + Q8_0_BLOCK;

function tensorByteLength(type: GgmlTensorType, count: number): number {
  if (type === 'q8_0') return (count / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES;
  return count * { f32: 4, f16: 2, bf16: 2 }[type];
}

interface PlannedTensor {
  tensor: GgufTensor;
  type: GgmlTensorType;
  offset: number;
  byteLength: number;
}

function plan(file: GgufFile): { header: Buffer; tensors: PlannedTensor[]; alignment: number; dataLength: number } {
  const entries = metadataEntries(file.metadata);
  const alignment = alignmentOf(entries);
  const seen = new Set<string>();
  for (const [key] of entries) {
    if (seen.has(key)) throw new Error(`GGUF: metadata key ${key} appears twice`);
    seen.add(key);
  }

  const tensors: PlannedTensor[] = [];
  let offset = 0;
  const names = new Set<string>();
  for (const tensor of file.tensors) {
    if (names.has(tensor.name)) throw new Error(`GGUF: tensor ${tensor.name} appears twice`);
    names.add(tensor.name);
    if (utf8Encoder.encode(tensor.name).length > 64) throw new Error(`GGUF: tensor name ${tensor.name} is over 64 bytes`);
    const type = tensor.type ?? 'f32';
    if (!(type in GGML_TYPE)) throw new Error(`GGUF: tensor ${tensor.name} has unsupported type ${String(type)}`);
    if (tensor.shape.length < 1 || tensor.shape.length > 4) {
      throw new Error(`GGUF: tensor ${tensor.name} must have 1 to 4 dimensions, got ${tensor.shape.length}`);
    }
    const count = tensor.shape.reduce((a, b) => a * b, 1);
    if (tensor.shape.some((d) => !Number.isInteger(d) || d < 1) || count !== tensor.data.length) {
      throw new Error(`GGUF: tensor ${tensor.name} has shape [${tensor.shape.join(', ')}] but ${tensor.data.length} values`);
    }
    offset = alignUp(offset, alignment);
    if (type === 'q8_0' && (tensor.shape[tensor.shape.length - 1] as number) % Q8_0_BLOCK !== 0) {
      throw new Error(
        `GGUF: tensor ${tensor.name} has rows of ${String(tensor.shape[tensor.shape.length - 1])} values; Q8_0 needs a multiple of ${Q8_0_BLOCK}`,
      );
    }
    const byteLength = tensorByteLength(type, count);
    tensors.push({ tensor, type, offset, byteLength });
    offset += byteLength;
  }
  const dataLength = alignUp(offset, alignment);

  const w = new ByteWriter();
  w.bytes(utf8Encoder.encode(GGUF_MAGIC));
  w.u32(GGUF_VERSION);
  w.u64(tensors.length);
  w.u64(entries.length);
  for (const [key, value] of entries) {
    w.string(key);
    const typeId = GGUF_VALUE_TYPE[value.type];
    if (typeId === undefined) throw new TypeError(`GGUF: metadata ${key} has unknown type ${String(value.type)}`);
    w.u32(typeId);
    try {
      writeValue(w, value);
    } catch (error) {
      throw new Error(`GGUF: metadata ${key}: ${(error as Error).message.replace(/^GGUF: /, '')}`);
    }
  }
  for (const { tensor, type, offset: tensorOffset } of tensors) {
    w.string(tensor.name);
    w.u32(tensor.shape.length);
    for (let i = tensor.shape.length - 1; i >= 0; i--) w.u64(tensor.shape[i] as number);
    w.u32(GGML_TYPE[type]);
    w.u64(tensorOffset);
  }
  w.zeros(alignUp(w.length, alignment) - w.length);
  return { header: w.result(), tensors, alignment, dataLength };
}

function tensorBytes(planned: PlannedTensor): Uint8Array {
  const { tensor, type } = planned;
  if (type === 'f32') {
    const copy = new Float32Array(tensor.data); // little-endian on every platform Node supports
    return new Uint8Array(copy.buffer);
  }
  if (type === 'q8_0') return encodeQ8_0(tensor.data);
  const toBits = type === 'bf16' ? float32ToBfloat16Bits : float32ToFloat16Bits;
  const half = new Uint16Array(tensor.data.length);
  for (let i = 0; i < half.length; i++) half[i] = toBits(tensor.data[i] as number);
  return new Uint8Array(half.buffer);
}

/** ggml's quantize_row_q8_0_ref: per block d = max|x| / 127 (stored as f16), q = round(x / d). */
export function encodeQ8_0(data: Float32Array): Uint8Array {
  const out = new Uint8Array(tensorByteLength('q8_0', data.length));
  const view = new DataView(out.buffer);
  for (let b = 0; b < data.length / Q8_0_BLOCK; b++) {
    let amax = 0;
    for (let j = 0; j < Q8_0_BLOCK; j++) amax = Math.max(amax, Math.abs(data[b * Q8_0_BLOCK + j] as number));
    const d = Math.fround(amax / 127);
    const id = d ? Math.fround(1 / d) : 0;
    const at = b * Q8_0_BLOCK_BYTES;
    view.setUint16(at, float32ToFloat16Bits(d), true);
    for (let j = 0; j < Q8_0_BLOCK; j++) {
      const x = Math.fround((data[b * Q8_0_BLOCK + j] as number) * id);
      view.setInt8(at + 2 + j, Math.sign(x) * Math.round(Math.abs(x))); // roundf: half away from zero
    }
  }
  return out;
}

export function decodeQ8_0(view: DataView, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let b = 0; b < count / Q8_0_BLOCK; b++) {
    const at = b * Q8_0_BLOCK_BYTES;
    const d = float16BitsToFloat32(view.getUint16(at, true));
    for (let j = 0; j < Q8_0_BLOCK; j++) out[b * Q8_0_BLOCK + j] = d * view.getInt8(at + 2 + j);
  }
  return out;
}

/** bfloat16 bits, rounding to nearest even (ggml_compute_fp32_to_bf16). */
export function float32ToBfloat16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0] as number;
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 64) & 0xffff; // quiet NaN
  return ((x + (0x7fff + ((x >>> 16) & 1))) >>> 16) & 0xffff;
}

export function bfloat16BitsToFloat32(bits: number): number {
  u32Scratch[0] = bits << 16;
  return f32Scratch[0] as number;
}

/** The whole file in memory. */
export function encodeGguf(file: GgufFile): Uint8Array {
  const { header, tensors, dataLength } = plan(file);
  const out = new Uint8Array(header.length + dataLength);
  out.set(header, 0);
  for (const planned of tensors) out.set(tensorBytes(planned), header.length + planned.offset);
  return out;
}

/** Writes the file tensor by tensor (never holding more than one converted tensor in memory). */
export async function writeGguf(path: string, file: GgufFile): Promise<void> {
  const { header, tensors, dataLength } = plan(file);
  const handle = await open(path, 'w');
  try {
    await handle.write(header, 0, header.length, 0);
    let end = 0;
    for (const planned of tensors) {
      const bytes = tensorBytes(planned);
      await handle.write(bytes, 0, bytes.length, header.length + planned.offset);
      end = planned.offset + planned.byteLength;
    }
    if (dataLength > end) {
      const zeros = new Uint8Array(dataLength - end);
      await handle.write(zeros, 0, zeros.length, header.length + end);
    }
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Half precision
// ---------------------------------------------------------------------------------------------------------

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE 754 binary16 bits of a number, rounding to nearest even (as numpy and ggml_fp32_to_fp16 do). */
export function float32ToFloat16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0); // inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow -> signed zero
    const m = mant | 0x800000; // implicit leading 1
    const shift = 14 - e;
    let half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++; // may carry into the exponent: correct
  return sign | half;
}

export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

// ---------------------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------------------

export interface GgufTensorInfo {
  name: string;
  /** As stored: fastest-varying first. */
  dims: number[];
  /** Row-major shape (dims reversed). */
  shape: number[];
  /** ggml type id. */
  typeId: number;
  /** 'f32' | 'f16' | 'bf16' | 'q8_0', or undefined for types this reader does not decode. */
  type: GgmlTensorType | undefined;
  /** Offset from the start of the tensor data section. */
  offset: number;
  /** Absolute offset in the file. */
  fileOffset: number;
  /** Decoded values (F32, F16, BF16 and Q8_0, dequantized). */
  data: Float32Array | undefined;
}

export interface ParsedGguf {
  version: number;
  alignment: number;
  /** Absolute offset of the tensor data section. */
  dataOffset: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
}

class ByteReader {
  pos = 0;
  private readonly view: DataView;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // keep a leading U+FEFF: it is a token of SentencePiece vocabularies;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): number {
    if (this.pos + n > this.bytes.length) throw new Error(`GGUF: unexpected end of file at byte ${this.pos}`);
    const at = this.pos;
    this.pos += n;
    return at;
  }
  fixed(type: FixedType): number | bigint {
    const { bytes, get } = FIXED[type];
    return get(this.view, this.need(bytes));
  }
  u32 = (): number => this.fixed('uint32') as number;
  /** A u64 used as a count or offset: must fit a JS number. */
  size(): number {
    const v = this.fixed('uint64') as bigint;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`GGUF: size ${v} is too large`);
    return Number(v);
  }
  string(): string {
    const n = this.size();
    const at = this.need(n);
    return this.decoder.decode(this.bytes.subarray(at, at + n));
  }
}

const TYPE_NAMES = Object.fromEntries(Object.entries(GGUF_VALUE_TYPE).map(([name, id]) => [id, name])) as Record<number, GgufValueTypeName>;

function readScalar(r: ByteReader, type: GgufScalarType): number | bigint | boolean | string {
  if (type === 'bool') {
    const b = r.fixed('uint8');
    if (b !== 0 && b !== 1) throw new Error(`GGUF: invalid bool ${b}`);
    return b === 1;
  }
  return type === 'string' ? r.string() : r.fixed(type);
}

function readValue(r: ByteReader, typeId: number): GgufValue {
  const type = TYPE_NAMES[typeId];
  if (type === undefined) throw new Error(`GGUF: unknown value type ${typeId} at byte ${r.pos - 4}`);
  if (type !== 'array') return { type, value: readScalar(r, type) } as GgufValue;
  const itemTypeId = r.u32();
  const itemType = TYPE_NAMES[itemTypeId];
  if (itemType === undefined) throw new Error(`GGUF: unknown array item type ${itemTypeId}`);
  const count = r.size();
  const items: unknown[] = [];
  for (let i = 0; i < count; i++) {
    items.push(itemType === 'array' ? readValue(r, itemTypeId) : readScalar(r, itemType));
  }
  return { type: 'array', itemType, value: items } as GgufArray;
}

/** Parses a GGUF file (any version 2 or 3 file; decodes F32, F16, BF16 and Q8_0 tensor data). */
export function parseGguf(bytes: Uint8Array, options: { readData?: boolean } = {}): ParsedGguf {
  const r = new ByteReader(bytes);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (bytes.length < 4 || magic !== GGUF_MAGIC) throw new Error('GGUF: not a GGUF file (bad magic)');
  r.pos = 4;
  const version = r.u32();
  if (version !== 2 && version !== 3) throw new Error(`GGUF: unsupported version ${version}`);
  const tensorCount = r.size();
  const metadataCount = r.size();
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < metadataCount; i++) {
    const key = r.string();
    metadata.set(key, readValue(r, r.u32()));
  }
  const alignmentValue = metadata.get('general.alignment');
  const alignment = alignmentValue?.type === 'uint32' ? alignmentValue.value : GGUF_DEFAULT_ALIGNMENT;
  const infos: Array<Omit<GgufTensorInfo, 'fileOffset' | 'data'>> = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = r.string();
    const nDims = r.u32();
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(r.size());
    const typeId = r.u32();
    const type = (Object.entries(GGML_TYPE).find(([, id]) => id === typeId)?.[0] as GgmlTensorType | undefined) ?? undefined;
    const offset = r.size();
    if (offset % alignment !== 0) throw new Error(`GGUF: tensor ${name} offset ${offset} is not aligned`);
    infos.push({ name, dims, shape: [...dims].reverse(), typeId, type, offset });
  }
  const dataOffset = alignUp(r.pos, alignment);
  const tensors = infos.map((info): GgufTensorInfo => {
    const fileOffset = dataOffset + info.offset;
    let data: Float32Array | undefined;
    if (options.readData !== false && info.type !== undefined) {
      const count = info.dims.reduce((a, b) => a * b, 1);
      if (info.type === 'q8_0' && (info.dims[0] as number) % Q8_0_BLOCK !== 0)
        throw new Error(`GGUF: Q8_0 tensor ${info.name} has rows of ${String(info.dims[0])} values`);
      const byteLength = tensorByteLength(info.type, count);
      if (fileOffset + byteLength > bytes.length) throw new Error(`GGUF: tensor ${info.name} runs past the end`);
      const view = new DataView(bytes.buffer, bytes.byteOffset + fileOffset, byteLength);
      if (info.type === 'q8_0') data = decodeQ8_0(view, count);
      else {
        data = new Float32Array(count);
        if (info.type === 'f32') for (let i = 0; i < count; i++) data[i] = view.getFloat32(4 * i, true);
        else if (info.type === 'bf16') for (let i = 0; i < count; i++) data[i] = bfloat16BitsToFloat32(view.getUint16(2 * i, true));
        else for (let i = 0; i < count; i++) data[i] = float16BitsToFloat32(view.getUint16(2 * i, true));
      }
    }
    return { ...info, fileOffset, data };
  });
  return { version, alignment, dataOffset, metadata, tensors };
}

export async function readGguf(path: string, options: { readData?: boolean } = {}): Promise<ParsedGguf> {
  return parseGguf(await readFile(path), options);
}

/** A metadata value as a plain JS value (arrays as arrays, 64-bit integers as bigint). */
export function plainValue(value: GgufValue | undefined): unknown {
  if (value === undefined) return undefined;
  if (value.type !== 'array') return value.value;
  if (value.itemType === 'array') return (value.value as readonly GgufArray[]).map(plainValue);
  return Array.from(value.value as ArrayLike<unknown>);
}
