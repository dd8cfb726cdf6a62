import * as tf from "@tensorflow/tfjs";
import { activeNativeAddon, nativeValues, ownsStorage } from "./native/backend.js";

/** Warm-up then cosine decay, as HF get_cosine_schedule_with_warmup: a pure function of the step. */
export function learningRate(
  step: number,
  s: { lr: number; warmupSteps: number; totalSteps: number; minLrRatio?: number },
): number {
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  const span = Math.max(1, s.totalSteps - s.warmupSteps);
  const progress = Math.min(1, (step - s.warmupSteps) / span);
  const floor = s.minLrRatio ?? 0;
  return s.lr * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const ADAMW_DEFAULTS: AdamWOptions = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

/** Moments by variable name; `t` updates taken. */
export interface AdamWState {
  t: number;
  m: Map<string, tf.Variable>;
  v: Map<string, tf.Variable>;
}

export function createAdamWState(params: Map<string, tf.Variable>): AdamWState {
  const zero = (p: tf.Variable) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)); // variable() copies
  const zeros = () => new Map([...params].map(([n, p]) => [n, zero(p)] as const));
  return { t: 0, m: zeros(), v: zeros() };
}

/** Norms, biases and every 1-D tensor take no weight decay (HF Trainer's grouping). */
export function decays(name: string, p: tf.Tensor): boolean {
  return p.rank >= 2 && !/norm|bias/.test(name);
}

/**
 * One AdamW update (Loshchilov & Hutter; torch.optim.AdamW): p ← p·(1 − lr·wd) − lr·m̂/(√v̂ + eps), with
 * the gradients multiplied by `scale` first (global-norm clipping folded in, so no clipped copy of every
 * gradient is made). On the native backend each parameter is updated in place by one fused kernel;
 * elsewhere with tfjs ops, one parameter at a time so that only one parameter's temporaries are alive.
 * Leaves no tensors behind.
 */
export function adamWStep(
  params: Map<string, tf.Variable>,
  grads: Map<string, tf.Tensor>,
  state: AdamWState,
  lr: number,
  o: AdamWOptions,
  scale = 1,
): void {
  state.t += 1;
  const c1 = 1 - o.beta1 ** state.t;
  const c2 = 1 - o.beta2 ** state.t;
  const addon = activeNativeAddon();
  for (const [name, p] of params) {
    const g = grads.get(name);
    if (!g) continue;
    const m = state.m.get(name)!;
    const v = state.v.get(name)!;
    const wd = decays(name, p) ? o.weightDecay : 0;
    if (addon && ownsStorage(p) && ownsStorage(m) && ownsStorage(v) && g.dtype === "float32") {
      const constants = {
        lr,
        beta1: o.beta1,
        oneMinusBeta1: 1 - o.beta1,
        beta2: o.beta2,
        oneMinusBeta2: 1 - o.beta2,
        eps: o.eps,
        decay: 1 - lr * wd,
        c1,
        c2,
        scale,
      };
      addon.adamw(nativeValues(p), nativeValues(g), nativeValues(m), nativeValues(v), constants);
      continue;
    }
    tf.tidy(() => {
      const gs = scale === 1 ? g : tf.mul(g, scale);
      m.assign(tf.add(tf.mul(m, o.beta1), tf.mul(gs, 1 - o.beta1)));
      v.assign(tf.add(tf.mul(v, o.beta2), tf.mul(tf.square(gs), 1 - o.beta2)));
      const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), o.eps));
      const decayed = wd > 0 ? tf.mul(p, 1 - lr * wd) : p;
      p.assign(tf.sub(decayed, tf.mul(update, lr)));
    });
  }
}

/** Global L2 norm of all gradients (torch clip_grad_norm_'s total norm; float64 sums on the native backend). */
export function globalNorm(grads: Iterable<tf.Tensor>): number {
  const all = [...grads];
  if (all.length === 0) return 0;
  const addon = activeNativeAddon();
  if (addon && all.every((g) => g.dtype === "float32"))
    return Math.sqrt(all.reduce((sum, g) => sum + addon.sumSquares(nativeValues(g)), 0));
  // one read back for all of them (a device backend would otherwise sync once per gradient)
  return tf.tidy(() => Math.sqrt(tf.addN(all.map((g) => tf.sum(tf.square(g)))).dataSync()[0]!));
}

/** The factor torch's clip_grad_norm_ multiplies gradients by: max / (norm + 1e-6) when norm > max. */
export function clipScale(norm: number, maxNorm: number): number {
  return maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
}
