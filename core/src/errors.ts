/** One problem with one input field; `field` is a dotted path such as `model.hidden_size`. */
export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * A user input that cannot be used. Every problem found is kept in `issues`; `field` and the start of the
 * message name the first one so callers that only look at one still point the user somewhere useful.
 */
export class ValidationError extends Error {
  readonly field: string;
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue | FieldIssue[]) {
    const list = Array.isArray(issues) ? issues : [issues];
    if (list.length === 0) throw new TypeError("ValidationError needs at least one issue");
    super(list.map((i) => i.message).join("; "));
    this.name = "ValidationError";
    this.field = list[0]!.field;
    this.issues = list;
  }

  /** The same issues with every field moved under `prefix` (e.g. `model`). */
  under(prefix: string): ValidationError {
    return new ValidationError(
      this.issues.map((i) => ({ field: `${prefix}.${i.field}`, message: i.message })),
    );
  }
}
