import onnxProto from 'onnx-proto';

/**
 * A small writer of ONNX graphs on top of the onnx-proto package's protobuf classes: names
 * values, adds nodes and constant initializers, and serialises a model. It knows nothing of
 * the networks it is fed; compileOnnx.ts does the translating.
 */
const { onnx } = onnxProto;
export type { onnx } from 'onnx-proto';

/** ONNX opset the compiler targets: 13 is what TensorRT 8 (JetPack 5) and every runtime since take */
export const opsetVersion = 13;
const irVersion = 8;

type AttrValue = number | number[] | string | { float: number };

function attribute(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if (typeof v === 'object') return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.INT, i: v };
}

export interface ValueShape {
  name: string;
  /** float32 unless said otherwise */
  type?: 'float32' | 'uint8';
  /** a number is a fixed size, a string a named free dimension (the batch) */
  dims: (number | string | null)[];
}

export class OnnxBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly used = new Set<string>();

  /** a fresh value name based on `hint` */
  fresh(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_./:-]/g, '_');
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  reserve(name: string): string {
    this.used.add(name);
    return name;
  }

  floats(hint: string, data: Float32Array, dims: number[]): string {
    const name = this.fresh(hint);
    const raw = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw });
    return name;
  }

  scalar(hint: string, v: number): string {
    return this.floats(hint, Float32Array.of(v), []);
  }

  int64s(hint: string, values: number[]): string {
    const name = this.fresh(hint);
    const raw = new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer);
    this.initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: raw });
    return name;
  }

  /** adds a node with one output, named after `hint`; returns the output's name */
  node(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, hint = op): string {
    return this.nodeTo(this.fresh(hint), op, inputs, attrs);
  }

  /** adds a node whose output has exactly the (reserved) name `out` */
  nodeTo(out: string, op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, hint = out): string {
    this.nodes.push({
      opType: op,
      name: this.fresh(`${hint}/${op}`),
      input: inputs,
      output: [out],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  encode(o: {
    graphName: string;
    input: ValueShape;
    output: ValueShape;
    metadata?: Record<string, string>;
    producerVersion?: string;
    docString?: string;
  }): Uint8Array {
    const valueInfo = (v: ValueShape): onnxProto.onnx.IValueInfoProto => ({
      name: v.name,
      type: {
        tensorType: {
          elemType: v.type === 'uint8' ? onnx.TensorProto.DataType.UINT8 : onnx.TensorProto.DataType.FLOAT,
          shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) },
        },
      },
    });
    const model: onnxProto.onnx.IModelProto = {
      irVersion,
      opsetImport: [{ domain: '', version: opsetVersion }],
      producerName: 'transfer-lab',
      producerVersion: o.producerVersion ?? '',
      docString: o.docString ?? '',
      graph: { name: o.graphName, node: this.nodes, initializer: this.initializers, input: [valueInfo(o.input)], output: [valueInfo(o.output)] },
      metadataProps: Object.entries(o.metadata ?? {}).map(([key, value]) => ({ key, value })),
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }

  get nodeCount(): number {
    return this.nodes.length;
  }
}
