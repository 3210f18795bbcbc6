// List prices (US dollars per million tokens) to put a cost on a run. A model not listed has no cost (null),
// rather than a made-up one; dated snapshots (gpt-4o-2024-08-06) and proxy prefixes (openai/gpt-4o) price as
// their family.
interface Price {
  input: number;
  cachedInput: number;
  output: number;
}

const PRICES: Record<string, Price> = {
  "gpt-4o": { input: 2.5, cachedInput: 1.25, output: 10 },
  "gpt-4o-mini": { input: 0.15, cachedInput: 0.075, output: 0.6 },
  "gpt-4.1": { input: 2, cachedInput: 0.5, output: 8 },
  "gpt-4.1-mini": { input: 0.4, cachedInput: 0.1, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, cachedInput: 0.025, output: 0.4 },
  "gpt-5": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5-mini": { input: 0.25, cachedInput: 0.025, output: 2 },
  "gpt-5-nano": { input: 0.05, cachedInput: 0.005, output: 0.4 },
  o3: { input: 2, cachedInput: 0.5, output: 8 },
  "o4-mini": { input: 1.1, cachedInput: 0.275, output: 4.4 },
};

const byLength = Object.keys(PRICES).sort((a, b) => b.length - a.length);

function priceOf(model: string): Price | undefined {
  const name = model.toLowerCase().split("/").pop()!;
  const family = byLength.find((k) => name === k || name.startsWith(`${k}-20`));
  return family ? PRICES[family] : undefined;
}

export function costUsd(model: string, usage: { prompt_tokens: number; completion_tokens: number; cached_tokens: number }): number | null {
  const p = priceOf(model);
  if (!p) return null;
  const uncached = usage.prompt_tokens - usage.cached_tokens;
  return (uncached * p.input + usage.cached_tokens * p.cachedInput + usage.completion_tokens * p.output) / 1e6;
}
