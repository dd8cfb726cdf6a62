// Matmul FLOPs of one training step of the engine's Llama decoder (2·m·n·k per matmul), shared by the
// engine benchmarks. Backward: input gradients (= forward) always; weight gradients only for full
// fine-tuning (PEFT methods skip the frozen weights'). `extraKeys`: prefix tuning's virtual tokens.
export function stepFlops(c, method, batch, seq, extraKeys = 0) {
  const tokens = batch * seq;
  const hd = c.head_dim;
  const linear =
    c.num_hidden_layers *
      c.hidden_size *
      (2 * c.num_attention_heads * hd + 2 * c.num_key_value_heads * hd + 3 * c.intermediate_size) +
    c.vocab_size * c.hidden_size;
  const attention =
    c.num_hidden_layers * 2 * 2 * batch * c.num_attention_heads * seq * (seq + extraKeys) * hd;
  const forward = 2 * tokens * linear + attention;
  return method === "full" ? 3 * forward : 2 * forward + attention;
}
