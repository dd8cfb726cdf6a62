import * as tf from "@tensorflow/tfjs";

/**
 * Gradient checkpointing (activation recomputation) for one block of the model, e.g. a decoder layer.
 *
 * tfjs keeps every intermediate of the forward pass on its tape until the backward pass, so activations
 * dominate the peak on small models. Wrapped in `checkpoint`, a block runs its forward with the tape off
 * (its intermediates are freed at once) and keeps only its inputs; the backward pass reruns the block
 * with the tape on and takes the vector–Jacobian product there — PyTorch's
 * torch.utils.checkpoint, one block at a time, so at most one block's intermediates are alive.
 *
 * `inputs` are the tensors the block is differentiated with respect to: its activation input and every
 * trainable tensor it reads (LoRA A/B, IA3 vectors, prefix key/values, …); one it reads but that is not
 * listed gets no gradient. Variables may be read through the closure (the recomputation differentiates
 * with respect to the variables themselves); other inputs must be read from the block's arguments. `constants` are tensors the block reads
 * that are created during the forward pass (attention mask, rotary tables): they are kept alive for the
 * recomputation and passed to the block after the inputs — the block must read them from its
 * arguments, since the forward pass's own copies are freed before the backward pass. Long-lived frozen
 * weights can simply be closed over.
 *
 * The block must be deterministic: random dropout masks would differ between the two runs.
 */
export function checkpoint(
  block: (...inputs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  constants: tf.Tensor[] = [],
): tf.Tensor {
  const op = tf.customGrad((...args: unknown[]) => {
    const xs = args.slice(0, inputs.length) as tf.Tensor[];
    const save = args[inputs.length] as tf.GradSaveFunc;
    save([...xs, ...constants]);
    return {
      value: block(...xs, ...constants),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        recomputeGradients(
          block,
          // Variables are alive and unchanged until the optimizer step: differentiate the originals.
          saved.slice(0, xs.length).map((t, i) => (inputs[i] instanceof tf.Variable ? inputs[i]! : t)),
          saved.slice(xs.length),
          dy as tf.Tensor,
        ),
    };
  });
  return op(...inputs);
}

/**
 * Reruns the block on its saved inputs and backpropagates dy through it. tfjs' engine keeps one active
 * tape, and a nested tf.grads at gradient depth 0 (which is where the outer backward pass runs) replaces
 * it and clears it when done; the outer tape is put back so the outer backward pass can finish.
 */
function recomputeGradients(
  block: (...inputs: tf.Tensor[]) => tf.Tensor,
  xs: tf.Tensor[],
  constants: tf.Tensor[],
  dy: tf.Tensor,
): tf.Tensor[] {
  const state = tf.engine().state;
  const outerTape = state.activeTape;
  try {
    const grads = tf.grads((...ys: tf.Tensor[]) => block(...ys, ...constants))(xs, dy);
    // An input the block does not reach (a variable of another layer) gets a zero gradient.
    return xs.map((x, i) => grads[i] ?? tf.zerosLike(x));
  } finally {
    state.activeTape = outerTape;
  }
}
