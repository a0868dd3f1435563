/** What a training run that cannot go on returns: a bad resume, or a run directory it cannot write. */
export class TrainingError extends Error {
  override readonly name = 'TrainingError';
}
