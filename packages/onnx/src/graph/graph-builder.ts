import {
  encodeModelProto,
  type AttributeValue,
  type ElementType,
  type InitializerSpec,
  type ModelSpec,
  type NodeSpec,
  type TensorData,
  type ValueInfoSpec,
} from '../proto/onnx-proto';

/** A dimension: a fixed size, or a symbolic name such as `batch_size`. */
export type Dim = number | string;

/**
 * A value in a graph under construction: the name of an ONNX value with its element
 * type. Created by `GraphBuilder` methods, never by hand.
 */
export interface SymbolicTensor {
  /** ONNX value name (unique in the graph). */
  readonly name: string;
  /** Element type, tracked through every op. */
  readonly elementType: ElementType;
}

/** Settings of `GraphBuilder#toModel`. */
export interface ModelOptions {
  /** Default-domain opset. Default: 17. */
  readonly opset?: number;
  /** Versions of extra domains, e.g. `{ 'com.microsoft': 1 }`. Default: 1 for every domain a node uses. */
  readonly extraOpsets?: Readonly<Record<string, number>>;
  /** ONNX IR version. Default: 8 (the IR of opsets 17 and 18). */
  readonly irVersion?: number;
  /** `metadata_props`. Default: none. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Where each initializer's bytes go; absent means inside the model. */
  readonly externalLocations?: ReadonlyMap<string, { location: string; offset: number; length: number }>;
}

/** Bytes of a typed array, without copying. */
export function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * Builds an ONNX graph op by op with typed symbolic tensors, then serialises it with
 * the package's protobuf writer. Each method adds one standard ONNX node; names are
 * generated from the current scope (`h.3/attn/MatMul_12`) so graphs stay readable in Netron.
 *
 * The builder is deliberately small and explicit: it is the layer the exporter uses
 * today and the one the training-graph compiler (issue 9) grows with gradient rules.
 *
 * @example
 * const graph = new GraphBuilder('double');
 * const x = graph.input('x', 'float32', ['n']);
 * graph.output(graph.mul(x, graph.scalar(2)), 'y', ['n']);
 * const bytes = graph.toModel();
 */
export class GraphBuilder {
  /** Graph name written to the model. */
  readonly name: string;
  private readonly nodes: NodeSpec[] = [];
  private readonly inputs: ValueInfoSpec[] = [];
  private readonly outputs: ValueInfoSpec[] = [];
  private readonly initializers: InitializerSpec[] = [];
  private readonly names = new Set<string>();
  private readonly scalarCache = new Map<string, SymbolicTensor>();
  private readonly scopes: string[] = [];
  private counter = 0;

  constructor(name: string) {
    this.name = name;
  }

  /** Runs `body` with `scope` prefixed to generated node and value names. */
  withScope<T>(scope: string, body: () => T): T {
    this.scopes.push(scope);
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`graph ${this.name}: value name ${name} is already used`);
    this.names.add(name);
    return name;
  }

  private freshName(base: string): string {
    const prefix = this.scopes.length > 0 ? `${this.scopes.join('/')}/` : '';
    let name: string;
    do name = `${prefix}${base}_${this.counter++}`;
    while (this.names.has(name));
    return name;
  }

  /** Declares a graph input. */
  input(name: string, elementType: ElementType, shape: readonly Dim[]): SymbolicTensor {
    this.inputs.push({ name: this.claim(name), elementType, shape });
    return { name, elementType };
  }

  /**
   * Declares a graph output named `name`. A value computed by a node is renamed in place
   * (its producer and consumers are rewritten, so no Identity copy is added); use the returned
   * tensor afterwards. Graph inputs and initializers are exposed through an Identity.
   */
  output(tensor: SymbolicTensor, name: string, shape: readonly Dim[]): SymbolicTensor {
    if (tensor.name !== name) {
      const producer = this.nodes.findIndex((node) => node.outputs.includes(tensor.name));
      const isOutput = this.outputs.some((output) => output.name === tensor.name);
      if (producer >= 0 && !isOutput) {
        this.claim(name);
        this.names.delete(tensor.name);
        const rename = (value: string) => (value === tensor.name ? name : value);
        for (let index = 0; index < this.nodes.length; index++) {
          const node = this.nodes[index]!;
          if (node.inputs.includes(tensor.name) || node.outputs.includes(tensor.name)) {
            this.nodes[index] = { ...node, inputs: node.inputs.map(rename), outputs: node.outputs.map(rename) };
          }
        }
      } else {
        this.nodes.push({ opType: 'Identity', inputs: [tensor.name], outputs: [this.claim(name)], name: this.freshName('Identity') });
      }
    }
    this.outputs.push({ name, elementType: tensor.elementType, shape });
    return { name, elementType: tensor.elementType };
  }

  /** Adds a named initializer (a weight stored in the model). */
  initializer(name: string, tensor: TensorData): SymbolicTensor {
    this.initializers.push({ name: this.claim(name), tensor });
    return { name, elementType: tensor.elementType };
  }

  /** A float32 (default) or int64 scalar constant, shared between uses. */
  scalar(value: number, elementType: 'float32' | 'int64' | 'float16' = 'float32'): SymbolicTensor {
    return this.constantVector([value], elementType, []);
  }

  /** A 1-D int64 constant (shapes, axes, split sizes), shared between uses. */
  ints(values: readonly number[]): SymbolicTensor {
    return this.constantVector(values, 'int64', [values.length]);
  }

  private constantVector(values: readonly number[], elementType: 'float32' | 'int64' | 'float16', shape: number[]): SymbolicTensor {
    const key = `${elementType}:${shape.join('x')}:${values.join(',')}`;
    const cached = this.scalarCache.get(key);
    if (cached) return cached;
    let bytes: Uint8Array;
    if (elementType === 'int64') bytes = bytesOf(BigInt64Array.from(values.map((value) => BigInt(value))));
    else if (elementType === 'float16') bytes = bytesOf(Uint16Array.from(values.map(float32ToFloat16Bits)));
    else bytes = bytesOf(Float32Array.from(values));
    const tensor = this.initializer(this.freshName('const'), { elementType, shape, bytes });
    this.scalarCache.set(key, tensor);
    return tensor;
  }

  /**
   * Adds one node of any op and returns its outputs. The typed helpers below call this;
   * use it directly for ops without a helper (contrib ops: pass `domain`). A `null` output
   * type leaves that optional output unnamed (not computed); its slot in the result is undefined.
   */
  node(
    opType: string,
    inputs: readonly (SymbolicTensor | undefined)[],
    outputElementTypes: readonly (ElementType | null)[],
    attributes: Readonly<Record<string, AttributeValue>> = {},
    domain = '',
  ): SymbolicTensor[] {
    const outputs = outputElementTypes.map((elementType) =>
      elementType === null ? undefined : { name: this.claim(this.freshName(opType)), elementType },
    );
    this.nodes.push({
      opType,
      domain,
      name: this.freshName(`${opType}_node`),
      inputs: inputs.map((input) => input?.name ?? ''),
      outputs: outputs.map((output) => output?.name ?? ''),
      attributes,
    });
    return outputs as SymbolicTensor[];
  }

  private unary(opType: string, x: SymbolicTensor, attributes: Record<string, AttributeValue> = {}): SymbolicTensor {
    return this.node(opType, [x], [x.elementType], attributes)[0]!;
  }

  private binary(opType: string, a: SymbolicTensor, b: SymbolicTensor, outputType: ElementType = a.elementType): SymbolicTensor {
    return this.node(opType, [a, b], [outputType])[0]!;
  }

  /** Elementwise `a + b` with broadcasting. */
  add(a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor { return this.binary('Add', a, b); }
  /** Elementwise `a - b` with broadcasting. */
  sub(a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor { return this.binary('Sub', a, b); }
  /** Elementwise `a * b` with broadcasting. */
  mul(a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor { return this.binary('Mul', a, b); }
  /** Elementwise `a / b` with broadcasting. */
  div(a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor { return this.binary('Div', a, b); }
  /** Batched matrix product (numpy semantics). */
  matMul(a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor { return this.binary('MatMul', a, b); }
  /** `alpha * a @ op(b) + c` on 2-D inputs; `transB` multiplies by `b` transposed without a Transpose node. */
  gemm(a: SymbolicTensor, b: SymbolicTensor, c: SymbolicTensor | undefined, options: { transB?: boolean; alpha?: number } = {}): SymbolicTensor {
    return this.node('Gemm', c ? [a, b, c] : [a, b], [a.elementType], {
      transB: options.transB ? 1 : 0,
      alpha: { float: options.alpha ?? 1 },
    })[0]!;
  }
  /** `a <= b` elementwise, boolean. */
  lessOrEqual(a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor { return this.binary('LessOrEqual', a, b, 'bool'); }
  /** Logical and of booleans. */
  and(a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor { return this.binary('And', a, b, 'bool'); }
  /** `x ** exponent` elementwise. */
  pow(x: SymbolicTensor, exponent: SymbolicTensor): SymbolicTensor { return this.binary('Pow', x, exponent); }
  /** Hyperbolic tangent. */
  tanh(x: SymbolicTensor): SymbolicTensor { return this.unary('Tanh', x); }
  /** Softmax along `axis`. */
  softmax(x: SymbolicTensor, axis = -1): SymbolicTensor { return this.unary('Softmax', x, { axis }); }
  /** Permutes dimensions. */
  transpose(x: SymbolicTensor, perm: readonly number[]): SymbolicTensor { return this.unary('Transpose', x, { perm: [...perm] }); }
  /** Reshapes to a constant shape (0 copies the input dim, -1 infers one dim). */
  reshape(x: SymbolicTensor, shape: readonly number[]): SymbolicTensor { return this.node('Reshape', [x, this.ints(shape)], [x.elementType])[0]!; }
  /** Reshapes to a computed 1-D int64 shape tensor. */
  reshapeTo(x: SymbolicTensor, shape: SymbolicTensor): SymbolicTensor { return this.node('Reshape', [x, shape], [x.elementType])[0]!; }
  /** Elements `[start, end)` along each of `axes` (1-D int64 tensors). */
  slice(x: SymbolicTensor, starts: SymbolicTensor, ends: SymbolicTensor, axes: readonly number[]): SymbolicTensor {
    return this.node('Slice', [x, starts, ends, this.ints(axes)], [x.elementType])[0]!;
  }
  /** Elementwise maximum. */
  max(a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor { return this.binary('Max', a, b); }
  /** Removes the given size-1 axes. */
  squeeze(x: SymbolicTensor, axes: readonly number[]): SymbolicTensor { return this.node('Squeeze', [x, this.ints(axes)], [x.elementType])[0]!; }
  /** Inserts size-1 axes at the given positions. */
  unsqueeze(x: SymbolicTensor, axes: readonly number[]): SymbolicTensor { return this.node('Unsqueeze', [x, this.ints(axes)], [x.elementType])[0]!; }
  /** Concatenates along `axis` (empty inputs are allowed). */
  concat(xs: readonly SymbolicTensor[], axis: number): SymbolicTensor { return this.node('Concat', xs, [xs[0]!.elementType], { axis })[0]!; }
  /** Splits along `axis` into pieces of the given sizes. */
  split(x: SymbolicTensor, axis: number, sizes: readonly number[]): SymbolicTensor[] {
    return this.node('Split', [x, this.ints(sizes)], sizes.map(() => x.elementType), { axis });
  }
  /** Rows of `table` picked by integer `indices` along `axis`. */
  gather(table: SymbolicTensor, indices: SymbolicTensor, axis = 0): SymbolicTensor { return this.node('Gather', [table, indices], [table.elementType], { axis })[0]!; }
  /** Elements picked by `indices` of the same rank along `axis`. */
  gatherElements(x: SymbolicTensor, indices: SymbolicTensor, axis: number): SymbolicTensor {
    return this.node('GatherElements', [x, indices], [x.elementType], { axis })[0]!;
  }
  /** `condition ? whenTrue : whenFalse` elementwise. */
  where(condition: SymbolicTensor, whenTrue: SymbolicTensor, whenFalse: SymbolicTensor): SymbolicTensor {
    return this.node('Where', [condition, whenTrue, whenFalse], [whenTrue.elementType])[0]!;
  }
  /** Converts to another element type. */
  cast(x: SymbolicTensor, to: ElementType): SymbolicTensor {
    const codes: Record<ElementType, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11, bfloat16: 16 };
    return this.node('Cast', [x], [to], { to: codes[to] })[0]!;
  }
  /** The shape of `x` as a 1-D int64 tensor (optionally the slice `[start, end)`). */
  shape(x: SymbolicTensor, start?: number, end?: number): SymbolicTensor {
    const attributes: Record<string, AttributeValue> = {};
    if (start !== undefined) attributes.start = start;
    if (end !== undefined) attributes.end = end;
    return this.node('Shape', [x], ['int64'], attributes)[0]!;
  }
  /** `[start, start + delta, ...)` below `limit` (scalars). */
  range(start: SymbolicTensor, limit: SymbolicTensor, delta: SymbolicTensor): SymbolicTensor {
    return this.node('Range', [start, limit, delta], [start.elementType])[0]!;
  }
  /** Index of the maximum along `axis`, int64. */
  argMax(x: SymbolicTensor, axis: number, keepdims = true): SymbolicTensor {
    return this.node('ArgMax', [x], ['int64'], { axis, keepdims: keepdims ? 1 : 0 })[0]!;
  }
  /** LayerNormalization over the last axis (opset 17). */
  layerNorm(x: SymbolicTensor, scale: SymbolicTensor, bias: SymbolicTensor, epsilon: number): SymbolicTensor {
    return this.node('LayerNormalization', [x, scale, bias], [x.elementType], { axis: -1, epsilon: { float: epsilon } })[0]!;
  }
  /** Linear quantisation `y = saturate(round(x / scale) + zeroPoint)` computed at run time (uint8). */
  dynamicQuantizeLinear(x: SymbolicTensor): [SymbolicTensor, SymbolicTensor, SymbolicTensor] {
    const [quantized, scale, zeroPoint] = this.node('DynamicQuantizeLinear', [x], ['uint8', 'float32', 'uint8']);
    return [quantized!, scale!, zeroPoint!];
  }
  /** Integer matrix product with zero points, int32 result. */
  matMulInteger(a: SymbolicTensor, b: SymbolicTensor, aZeroPoint?: SymbolicTensor, bZeroPoint?: SymbolicTensor): SymbolicTensor {
    return this.node('MatMulInteger', [a, b, aZeroPoint, bZeroPoint], ['int32'])[0]!;
  }

  /** Serialises the graph into ONNX model bytes. */
  toModel(options: ModelOptions = {}): Uint8Array {
    return encodeModelProto(this.toSpec(options));
  }

  /** The graph as a plain description (what `toModel` encodes). */
  toSpec(options: ModelOptions = {}): ModelSpec {
    const external = options.externalLocations;
    return {
      graphName: this.name,
      inputs: this.inputs,
      outputs: this.outputs,
      nodes: this.nodes,
      initializers: external
        ? this.initializers.map((initializer) => ({ ...initializer, external: external.get(initializer.name) }))
        : this.initializers,
      opsetImports: {
        '': options.opset ?? 17,
        // Contrib domains used by a node are imported at version 1 unless given.
        ...Object.fromEntries(this.nodes.filter((node) => node.domain).map((node) => [node.domain!, 1])),
        ...(options.extraOpsets ?? {}),
      },
      irVersion: options.irVersion ?? 8,
      producerName: '@instructkit/onnx',
      producerVersion: '0.0.0',
      metadata: options.metadata,
    };
  }

  /** Initializers added so far, in order (weights, then constants). */
  listInitializers(): readonly InitializerSpec[] {
    return this.initializers;
  }
}

const float32Scratch = new Float32Array(1);
const uint32Scratch = new Uint32Array(float32Scratch.buffer);

/** IEEE half-precision bits of a number, rounded to nearest even (overflow → ±Infinity). */
export function float32ToFloat16Bits(value: number): number {
  float32Scratch[0] = value;
  const bits = uint32Scratch[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  let halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    let halfMantissa = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (halfMantissa & 1))) halfMantissa++;
    return sign | halfMantissa;
  }
  let halfMantissa = mantissa >>> 13;
  const remainder = mantissa & 0x1fff;
  if (remainder > 0x1000 || (remainder === 0x1000 && (halfMantissa & 1))) {
    halfMantissa++;
    if (halfMantissa === 0x400) {
      halfMantissa = 0;
      halfExponent++;
      if (halfExponent >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (halfExponent << 10) | halfMantissa;
}

/** The number a half-precision bit pattern encodes. */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
