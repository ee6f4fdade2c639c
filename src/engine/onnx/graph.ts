/**
 * A small builder of ONNX graphs: values are names, every method appends one node and returns its output(s).
 * Only what the engine's training graph needs (opset 18, float32, int64 and uint64); `encode()` gives the bytes of an
 * ONNX ModelProto that onnxruntime loads.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export const OPSET = 18;

/** A float attribute (a plain number is an int attribute). */
export class FloatAttr {
  constructor(readonly value: number) {}
}

export type Attr = number | number[] | string | FloatAttr;

/** A dimension: a fixed size or a symbolic name (dynamic, e.g. 'B', 'T'). */
export type Dim = number | string;

type ElemType = 'float32' | 'int64' | 'uint64';

/** ONNX element type ids (also the `to` attribute of Cast). */
export const ELEM = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  uint64: onnx.TensorProto.DataType.UINT64,
} as const;

export class Graph {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly constants = new Map<string, string>();
  private serial = 0;

  constructor(private readonly name: string) {}

  private fresh(hint: string): string {
    return `${hint}_${this.serial++}`;
  }

  input(name: string, type: ElemType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Makes `value` a graph output called `name`. */
  output(name: string, value: string, type: ElemType, dims: Dim[]): void {
    this.nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [value], output: [name], name: this.fresh('out') }));
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** A constant tensor (deduplicated by value). */
  constant(type: ElemType, values: readonly number[] | readonly bigint[], dims: number[] = [values.length]): string {
    const key = `${type}:${dims.join('x')}:${values.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.fresh('const');
    const raw =
      type === 'float32'
        ? new Float32Array(values as readonly number[])
        : type === 'int64'
          ? BigInt64Array.from([...values].map((v) => BigInt(v)))
          : BigUint64Array.from([...values].map((v) => BigInt(v)));
    this.initializers.push(onnx.TensorProto.create({ name, dims, dataType: ELEM[type], rawData: new Uint8Array(raw.buffer) }));
    this.constants.set(key, name);
    return name;
  }

  scalar(value: number): string {
    return this.constant('float32', [value], []);
  }

  ints(values: readonly number[]): string {
    return this.constant('int64', values);
  }

  /** One node with `outputs` results. */
  node(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs = 1): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()));
    const attribute = Object.entries(attrs).map(([name, value]) => attribute_(name, value));
    this.nodes.push(onnx.NodeProto.create({ opType, input: inputs, output: names, attribute, name: this.fresh(`n_${opType}`) }));
    return names;
  }

  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    return this.node(opType, inputs, attrs)[0] as string;
  }

  // The ops the engine uses, by name.
  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }
  sub(a: string, b: string): string {
    return this.op('Sub', [a, b]);
  }
  mul(a: string, b: string): string {
    return this.op('Mul', [a, b]);
  }
  neg(a: string): string {
    return this.op('Neg', [a]);
  }
  /** a @ b with numpy broadcasting of the batch axes. */
  matmul(a: string, b: string): string {
    return this.op('MatMul', [a, b]);
  }
  /** 2-D product op(a) @ op(b) (+ c), op = transpose when asked. */
  gemm(a: string, b: string, transA = 0, transB = 0, c?: string): string {
    return this.op('Gemm', c === undefined ? [a, b] : [a, b, c], { transA, transB });
  }
  /**
   * The transpose [cols, rows] of a 2-D x [rows, cols] (cols known), as a copy ORT cannot fold back into a product: its
   * Gemm runs a transposed A about 10-20% slower than the copy and a plain product together (MLAS transposes
   * A again for every block of the output's columns), and GemmTransposeFusion would turn a bare Transpose
   * into Gemm's transA; the reshapes around a 3-D transpose keep it a copy.
   */
  transposed(x: string, cols: number): string {
    const batched = this.reshape(x, this.ints([1, -1, cols]));
    return this.reshape(this.transpose(batched, [0, 2, 1]), this.ints([cols, -1]));
  }
  reshape(x: string, shape: string): string {
    return this.op('Reshape', [x, shape]);
  }
  transpose(x: string, perm: number[]): string {
    return this.op('Transpose', [x], { perm });
  }
  unsqueeze(x: string, axes: number[]): string {
    return this.op('Unsqueeze', [x, this.ints(axes)]);
  }
  squeeze(x: string, axes: number[]): string {
    return this.op('Squeeze', [x, this.ints(axes)]);
  }
  concat(values: string[], axis: number): string {
    return this.op('Concat', values, { axis });
  }
  split(x: string, sizes: number[], axis: number): string[] {
    return this.node('Split', [x, this.ints(sizes)], { axis }, sizes.length);
  }
  reduceSum(x: string, axes: number[], keepdims = 1): string {
    return this.op('ReduceSum', [x, this.ints(axes)], { keepdims });
  }
  reduceMean(x: string, axes: number[], keepdims = 1): string {
    return this.op('ReduceMean', [x, this.ints(axes)], { keepdims });
  }

  encode(): Uint8Array {
    const graph = onnx.GraphProto.create({
      name: this.name,
      node: this.nodes,
      input: this.inputs,
      output: this.outputs,
      initializer: this.initializers,
    });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'apprentice',
      opsetImport: [{ domain: '', version: OPSET }],
      graph,
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, type: ElemType, dims: Dim[]): onnxProto.onnx.IValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: ELEM[type], shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
}

function attribute_(name: string, value: Attr): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (value instanceof FloatAttr) return { name, type: T.FLOAT, f: value.value };
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  return { name, type: T.INT, i: value };
}
