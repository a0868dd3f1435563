/**
 * Plan-first text-to-image, the text-to-image part of mixed long chain-of-thought: the model is first asked, in
 * a chat turn, to plan the image (`<think>…</think>`), and the image is then drawn from the prompt followed by the
 * plan it wrote. These are the texts of the two steps; a model trained on them (mmada-tiny's stage 2) expects
 * exactly these forms.
 */

/** The chat request that asks the model for a plan before drawing. */
export function t2iPlanRequest(prompt: string): string {
  return `Plan the image: ${prompt}`;
}

/** What a text-to-image row conditions on: the prompt alone, or the prompt and its plan. */
export function t2iConditioningText(prompt: string, plan?: string): string {
  return plan === undefined ? prompt : `${prompt} ${plan}`;
}
