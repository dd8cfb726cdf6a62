import type * as tf from "@tensorflow/tfjs";

/**
 * A step's peak memory split by what each buffer alive at the peak is: frozen base weights (float or
 * compact), trainable variables, their gradients, the optimizer's slots, and the rest (activations the tape
 * keeps, temporaries, caches). Measured from the engine's buffers (memory-meter.ts `buffersAtPeak`), not
 * from core's formula: the parts sum to the peak by construction.
 */
export interface MemoryBreakdown {
  peakBytes: number;
  frozenBytes: number;
  trainableBytes: number;
  gradientBytes: number;
  optimizerBytes: number;
  activationBytes: number;
}

export type BufferRole = "frozen" | "trainable" | "gradient" | "optimizer";

/**
 * Which buffer (by data id) plays which role, and for which tensor. A variable keeps its identity while its
 * buffer changes (`assign` on non-native backends gives it a new one), so both its old and new buffers are
 * tagged with it as owner; if both are alive at the peak (mid-update), one is the variable and the other a
 * temporary of the update, counted with the rest. A buffer tagged twice keeps its first role.
 */
export class BufferRoles {
  private readonly roles = new Map<object, { role: BufferRole; owner: tf.Tensor }>();

  tag(tensors: Iterable<tf.Tensor>, role: BufferRole): void {
    for (const t of tensors) {
      const id = (t as unknown as { dataId: object }).dataId;
      if (!this.roles.has(id)) this.roles.set(id, { role, owner: t });
    }
  }

  /** `alive`: the buffers alive at the peak and their bytes; whatever has no role is activations. */
  breakdown(peakBytes: number, alive: Map<object, number>): MemoryBreakdown {
    const bytes: Record<BufferRole, number> = { frozen: 0, trainable: 0, gradient: 0, optimizer: 0 };
    const counted = new Set<tf.Tensor>();
    for (const [id, n] of alive) {
      const tagged = this.roles.get(id);
      if (!tagged || counted.has(tagged.owner)) continue;
      counted.add(tagged.owner);
      bytes[tagged.role] += n;
    }
    return {
      peakBytes,
      frozenBytes: bytes.frozen,
      trainableBytes: bytes.trainable,
      gradientBytes: bytes.gradient,
      optimizerBytes: bytes.optimizer,
      activationBytes: peakBytes - bytes.frozen - bytes.trainable - bytes.gradient - bytes.optimizer,
    };
  }
}

/** The roles a training step's persistent buffers play now (call before and after the step). */
export function tagState(
  roles: BufferRoles,
  s: {
    trainable: Iterable<tf.Tensor>;
    optimizer: Iterable<tf.Tensor>;
    frozen: Iterable<tf.Tensor>;
  },
): void {
  roles.tag(s.trainable, "trainable"); // first: full fine-tuning's trainable variables are the model's weights
  roles.tag(s.optimizer, "optimizer");
  roles.tag(s.frozen, "frozen");
}
