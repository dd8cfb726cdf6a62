import * as tf from "@tensorflow/tfjs";

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
 * One AdamW update (Loshchilov & Hutter; torch.optim.AdamW): p ← p·(1 − lr·wd) − lr·m̂/(√v̂ + eps).
 * Leaves no tensors behind.
 */
export function adamWStep(
  params: Map<string, tf.Variable>,
  grads: Map<string, tf.Tensor>,
  state: AdamWState,
  lr: number,
  o: AdamWOptions,
): void {
  state.t += 1;
  const c1 = 1 - o.beta1 ** state.t;
  const c2 = 1 - o.beta2 ** state.t;
  tf.tidy(() => {
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (!g) continue;
      const m = state.m.get(name)!;
      const v = state.v.get(name)!;
      m.assign(tf.add(tf.mul(m, o.beta1), tf.mul(g, 1 - o.beta1)));
      v.assign(tf.add(tf.mul(v, o.beta2), tf.mul(tf.square(g), 1 - o.beta2)));
      const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), o.eps));
      const decayed = decays(name, p) ? tf.mul(p, 1 - lr * o.weightDecay) : p;
      p.assign(tf.sub(decayed, tf.mul(update, lr)));
    }
  });
}

/** Global L2 norm of all gradients, and the gradients scaled to at most `maxNorm` (torch clip_grad_norm_). */
export function clipByGlobalNorm(
  grads: Map<string, tf.Tensor>,
  maxNorm: number,
): { norm: number; clipped: Map<string, tf.Tensor> } {
  const norm = tf.tidy(() =>
    Math.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g)))).dataSync()[0]!),
  );
  if (!(maxNorm > 0) || norm <= maxNorm) return { norm, clipped: grads };
  const scale = maxNorm / (norm + 1e-6);
  const clipped = new Map([...grads].map(([n, g]) => [n, tf.mul(g, scale)] as const));
  tf.dispose([...grads.values()]);
  return { norm, clipped };
}
