// Imported first by main.ts, before graphql is loaded: graphql-js picks its instanceOf at load time, and
// the development one (NODE_ENV unset, the documented way to run) spent ~30% of a large metrics answer's
// CPU on cross-realm checks. Tests and anyone who sets NODE_ENV keep theirs.
process.env.NODE_ENV ??= "production";
