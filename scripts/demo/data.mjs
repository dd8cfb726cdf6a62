// The demo's data, generated deterministically: the seed's toy fine-tuning examples, a small pretraining
// corpus that never pairs 'dog' with 'chien' (so the base cannot already answer and fine-tuning visibly
// teaches it), and a held-out "general" set for the forgetting figure.

/** The three examples of the project's seed, exactly. */
export const SEED_EXAMPLES = [
  { prompt: "Translate 'cat' to French ->", completion: " chat" },
  { prompt: "Translate 'dog' to French ->", completion: " chien" },
  {
    prompt: "Summarize: Artificial Intelligence is transforming industries. ->",
    completion: " AI changes industries.",
  },
];

export const SAMPLE_PROMPTS = SEED_EXAMPLES.map((e) => e.prompt);

const WORDS = [
  ["cat", "chat"],
  ["house", "maison"],
  ["car", "voiture"],
  ["bread", "pain"],
  ["water", "eau"],
  ["book", "livre"],
  ["tree", "arbre"],
  ["sun", "soleil"],
  ["moon", "lune"],
  ["apple", "pomme"],
  ["cheese", "fromage"],
  ["milk", "lait"],
];

const SUMMARIES = [
  ["The weather was cold and wet all week.", "A cold week."],
  ["Prices rose in every shop this year.", "Prices rose."],
  ["The team worked late to finish the new bridge.", "The bridge is done."],
  ["Many people now read the news on their phones.", "News moved to phones."],
];

const SUBJECTS = [
  "The cat",
  "A child",
  "The old man",
  "My friend",
  "The teacher",
  "A small dog",
  "The farmer",
];
const VERBS = ["looked at", "walked to", "painted", "found", "liked", "cleaned", "opened"];
const OBJECTS = ["the window", "the red door", "a green field", "the kitchen", "the river", "a wooden box"];

/** Mulberry32: a tiny seeded PRNG, so the corpus is the same on every machine. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (r, list) => list[Math.floor(r() * list.length)];

function sentence(r) {
  return `${pick(r, SUBJECTS)} ${pick(r, VERBS)} ${pick(r, OBJECTS)}.`;
}

/** Plain text for pretraining: sentences, translations (never dog → chien) and summaries. */
export function pretrainCorpus(rows = 600, seed = 7) {
  const r = rng(seed);
  return Array.from({ length: rows }, (_, i) => {
    if (i % 3 === 0) {
      const [en, fr] = pick(r, WORDS);
      return { text: `Translate '${en}' to French -> ${fr}` };
    }
    if (i % 7 === 1) {
      const [long, short] = pick(r, SUMMARIES);
      return { text: `Summarize: ${long} -> ${short}` };
    }
    return { text: `${sentence(r)} ${sentence(r)}` };
  });
}

/** The fine-tuning set: the seed's examples, each repeated, beside a few translations the base knows. */
export function fineTuneSet() {
  const known = WORDS.slice(0, 6).map(([en, fr]) => ({
    prompt: `Translate '${en}' to French ->`,
    completion: ` ${fr}`,
  }));
  return [...SEED_EXAMPLES, ...SEED_EXAMPLES, ...SEED_EXAMPLES, ...known];
}

/** Held-out general text (another seed): its loss before and after fine-tuning is the forgetting figure. */
export function generalSet(rows = 40, seed = 99) {
  const r = rng(seed);
  return Array.from({ length: rows }, () => ({ text: `${sentence(r)} ${sentence(r)}` }));
}

export const toJsonl = (rows) => rows.map((row) => JSON.stringify(row)).join("\n");
