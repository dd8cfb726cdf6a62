import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useCpu } from "./backend.js";
import { forward } from "./model.js";
import { tinyModel } from "./test-kit.js";

before(useCpu);

/**
 * An independent Llama forward, written head by head as HF's LlamaAttention reads: repeat_kv gives query
 * head h the kv head ⌊h / group⌋; RoPE with inv_freq = θ^(−2i/hd) and rotate_half; causal softmax.
 */
function referenceLogits(model: ReturnType<typeof tinyModel>, ids: number[]): Float32Array {
  return tf.tidy(() => {
    const c = model.config;
    const w = (n: string) => model.weights.get(n)!;
    const t = ids.length;
    const hd = c.head_dim;
    const group = c.num_attention_heads / c.num_key_value_heads;
    const norm = (x: tf.Tensor, g: tf.Tensor) =>
      tf.mul(tf.div(x, tf.sqrt(tf.add(tf.mean(tf.square(x), -1, true), c.rms_norm_eps))), g);
    const lin = (x: tf.Tensor, n: string) => tf.matMul(x, tf.transpose(w(`${n}.weight`)));
    const pos = tf.range(0, t).reshape([t, 1]);
    const invFreq = tf.pow(c.rope_theta, tf.div(tf.mul(tf.range(0, hd / 2), -2), hd)).reshape([1, hd / 2]);
    const ang = tf.concat([tf.mul(pos, invFreq), tf.mul(pos, invFreq)], 1); // [T, hd]
    const rot = (x: tf.Tensor) => {
      const [x1, x2] = tf.split(x, 2, 1);
      return tf.add(tf.mul(x, tf.cos(ang)), tf.mul(tf.concat([tf.neg(x2!), x1!], 1), tf.sin(ang)));
    };
    const causal = tf.linalg.bandPart(tf.ones([t, t]), -1, 0);
    let h: tf.Tensor = tf.gather(w("model.embed_tokens.weight"), ids); // [T, d]
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const p = `model.layers.${l}`;
      const x = norm(h, w(`${p}.input_layernorm.weight`));
      const q = lin(x, `${p}.self_attn.q_proj`);
      const k = lin(x, `${p}.self_attn.k_proj`);
      const v = lin(x, `${p}.self_attn.v_proj`);
      const outs: tf.Tensor[] = [];
      for (let head = 0; head < c.num_attention_heads; head++) {
        const kvh = Math.floor(head / group);
        const qh = rot(tf.slice(q, [0, head * hd], [t, hd]));
        const kh = rot(tf.slice(k, [0, kvh * hd], [t, hd]));
        const vh = tf.slice(v, [0, kvh * hd], [t, hd]);
        const s = tf.div(tf.matMul(qh, tf.transpose(kh)), Math.sqrt(hd));
        const masked = tf.where(tf.cast(causal, "bool"), s, tf.fill([t, t], -Infinity));
        outs.push(tf.matMul(tf.softmax(masked), vh));
      }
      h = tf.add(h, lin(tf.concat(outs, 1), `${p}.self_attn.o_proj`));
      const y = norm(h, w(`${p}.post_attention_layernorm.weight`));
      const gate = lin(y, `${p}.mlp.gate_proj`);
      h = tf.add(
        h,
        lin(tf.mul(tf.mul(gate, tf.sigmoid(gate)), lin(y, `${p}.mlp.up_proj`)), `${p}.mlp.down_proj`),
      );
    }
    return lin(norm(h, w("model.norm.weight")), "lm_head").dataSync() as Float32Array;
  });
}

test("the forward pass equals an independent head-by-head Llama reference (GQA mapping, RoPE, SwiGLU)", () => {
  const model = tinyModel();
  const ids = [256, 5, 77, 200, 13, 99, 42];
  const ref = referenceLogits(model, ids);
  const got = tf.tidy(() => forward(model, [ids]).logits.dataSync());
  let max = 0;
  for (let i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(ref[i]! - got[i]!));
  assert.ok(max < 1e-4, `max |Δlogit| ${max}`);
  tf.dispose([...model.weights.values()]);
});
