import type { LabelSelector } from './objects.js';

type Labels = Readonly<Record<string, string>>;

/** Whether a label selector selects an object with these labels; `{}` selects everything. */
export function selects(selector: LabelSelector, labels: Labels): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((expression) => {
    const has = Object.hasOwn(labels, expression.key);
    const values = expression.values ?? [];
    if (expression.operator === 'Exists') return has;
    if (expression.operator === 'DoesNotExist') return !has;
    if (expression.operator === 'In') return has && values.includes(labels[expression.key]!);
    if (expression.operator === 'NotIn') return !has || !values.includes(labels[expression.key]!);
    throw new Error(`unknown label selector operator "${expression.operator}"`);
  });
}

/** A Service's selector (plain labels) as a label selector. */
export function fromMatchLabels(matchLabels: Labels): LabelSelector {
  return { matchLabels };
}
