/**
 * ViT-Tiny/16 (Dosovitskiy et al. 2021, "An Image is Worth 16x16 Words"; the tiny size is DeiT-Ti,
 * Touvron et al. 2021): a 16x16/16 patch-embedding Conv to 192 channels, a class token prepended
 * with Concat (expanded to the batch through a Shape -> Gather -> Concat -> Expand branch, so int64
 * shape tensors appear in the graph as in real exports), learned position embeddings, 12 pre-norm
 * encoder blocks (LayerNormalization, 3-head self-attention with MatMul/Softmax, LayerNormalization,
 * MLP 192 -> 768 -> 192 with exact GELU as 0.5 x (1 + Erf(x / sqrt 2))), a final LayerNormalization
 * on the class token and a 1000-way Gemm head.
 *
 * Input `input` [batch, 3, 224, 224] float32 -> output `logits` [batch, 1000]. 197 tokens of 192.
 */
import type { GraphBuilder } from '../graph-builder';

const IMAGE = 224;
const PATCH = 16;
const DIM = 192;
const DEPTH = 12;
const HEADS = 3;
const MLP = 768;
const TOKENS = (IMAGE / PATCH) ** 2 + 1;

function layerNorm(b: GraphBuilder, x: string, name: string): string {
  const scale = b.weight(`${name}.weight`, [DIM], { kind: 'constant', value: 1 });
  const bias = b.weight(`${name}.bias`, [DIM], { kind: 'constant', value: 0 });
  return b.op('LayerNormalization', [x, scale, bias], `${name}.out`, { axis: -1, epsilon: { float: 1e-6 } });
}

/** x [batch, tokens, in] times W [in, out] plus bias: a MatMul + Add, as PyTorch exports Linear on 3-D input. */
function linear(b: GraphBuilder, x: string, inDim: number, outDim: number, name: string, gain = 1): string {
  const w = b.weight(`${name}.weight`, [inDim, outDim], { kind: 'he', fanIn: inDim, gain });
  const bias = b.weight(`${name}.bias`, [outDim], { kind: 'uniform', limit: 0.02 });
  return b.op('Add', [b.op('MatMul', [x, w], `${name}.matmul`), bias], `${name}.out`);
}

function attention(b: GraphBuilder, x: string, name: string): string {
  const headDim = DIM / HEADS;
  const splitShape = b.int64Constant(`${name}.split_shape`, [0, -1, HEADS, headDim]);
  const heads = (which: string, perm: number[]): string => {
    const projected = linear(b, x, DIM, DIM, `${name}.${which}`);
    const split = b.op('Reshape', [projected, splitShape], `${name}.${which}.split`);
    return b.op('Transpose', [split], `${name}.${which}.heads`, { perm });
  };
  const q = heads('q', [0, 2, 1, 3]); // [batch, heads, tokens, headDim]
  const kT = heads('k', [0, 2, 3, 1]); // [batch, heads, headDim, tokens]
  const v = heads('v', [0, 2, 1, 3]);
  const scores = b.op('Mul', [b.op('MatMul', [q, kT], `${name}.qk`), b.scalar(1 / Math.sqrt(headDim))], `${name}.scores`);
  const weights = b.op('Softmax', [scores], `${name}.softmax`, { axis: -1 });
  const context = b.op('MatMul', [weights, v], `${name}.context`);
  const merged = b.op('Transpose', [context], `${name}.merge`, { perm: [0, 2, 1, 3] });
  const joined = b.op('Reshape', [merged, b.int64Constant(`${name}.join_shape`, [0, -1, DIM])], `${name}.join`);
  return linear(b, joined, DIM, DIM, `${name}.proj`);
}

function mlp(b: GraphBuilder, x: string, name: string): string {
  const hidden = linear(b, x, DIM, MLP, `${name}.fc1`, Math.SQRT2);
  const erf = b.op('Erf', [b.op('Div', [hidden, b.scalar(Math.SQRT2)], `${name}.gelu.div`)], `${name}.gelu.erf`);
  const gate = b.op('Mul', [b.op('Add', [erf, b.scalar(1)], `${name}.gelu.add`), b.scalar(0.5)], `${name}.gelu.half`);
  const gelu = b.op('Mul', [hidden, gate], `${name}.gelu`);
  return linear(b, gelu, MLP, DIM, `${name}.fc2`);
}

/** Add ViT-Tiny/16 to an empty builder. */
export function vitTinyGraph(b: GraphBuilder): void {
  const input = b.input('input', ['batch', 3, IMAGE, IMAGE]);
  const patchW = b.weight('patch_embed.weight', [DIM, 3, PATCH, PATCH], { kind: 'he', fanIn: 3 * PATCH * PATCH, gain: 1 });
  const patchB = b.weight('patch_embed.bias', [DIM], { kind: 'uniform', limit: 0.02 });
  const patches = b.op('Conv', [input, patchW, patchB], 'patch_embed.conv', { kernel_shape: [PATCH, PATCH], strides: [PATCH, PATCH] });
  const flat = b.op('Reshape', [patches, b.int64Constant('patch_embed.flat_shape', [0, DIM, -1])], 'patch_embed.flat');
  const tokens = b.op('Transpose', [flat], 'patch_embed.tokens', { perm: [0, 2, 1] });
  // Class token expanded to [batch, 1, DIM]: the batch size comes from Shape(input)[0] at run time.
  const batch = b.op('Gather', [b.op('Shape', [input], 'cls.shape'), b.int64Constant('cls.batch_index', [0])], 'cls.batch', { axis: 0 });
  const clsShape = b.op('Concat', [batch, b.int64Constant('cls.tail', [1, DIM])], 'cls.expand_shape', { axis: 0 });
  const cls = b.weight('cls_token', [1, 1, DIM], { kind: 'uniform', limit: 0.02 * Math.sqrt(3) });
  const clsTokens = b.op('Expand', [cls, clsShape], 'cls.tokens');
  const sequence = b.op('Concat', [clsTokens, tokens], 'tokens', { axis: 1 });
  const pos = b.weight('pos_embed', [1, TOKENS, DIM], { kind: 'uniform', limit: 0.02 * Math.sqrt(3) });
  let x = b.op('Add', [sequence, pos], 'tokens.pos');
  for (let i = 0; i < DEPTH; i++) {
    const name = `blocks.${i}`;
    x = b.op('Add', [x, attention(b, layerNorm(b, x, `${name}.norm1`), `${name}.attn`)], `${name}.residual1`);
    x = b.op('Add', [x, mlp(b, layerNorm(b, x, `${name}.norm2`), `${name}.mlp`)], `${name}.residual2`);
  }
  const normed = layerNorm(b, x, 'norm');
  const clsOut = b.op('Gather', [normed, b.int64Constant('head.cls_index', [0], [])], 'head.cls', { axis: 1 });
  const headW = b.weight('head.weight', [1000, DIM], { kind: 'he', fanIn: DIM, gain: 1 });
  const headB = b.weight('head.bias', [1000], { kind: 'uniform', limit: 0.02 });
  b.output(b.op('Gemm', [clsOut, headW, headB], 'logits', { transB: 1 }), ['batch', 1000]);
}
