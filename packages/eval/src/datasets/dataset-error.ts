/** What went wrong reading a dataset, and where: the file, the 1-based row (line for JSONL) and the field. */
export interface DatasetError {
  readonly file: string;
  readonly row?: number;
  readonly field?: string;
  readonly message: string;
}

/** `data/gsm8k.jsonl, row 12, field "answer": expected a string, got number`. */
export function formatDatasetError(e: DatasetError): string {
  const where = [e.file, e.row !== undefined ? `row ${e.row}` : null, e.field !== undefined ? `field "${e.field}"` : null];
  return `${where.filter((w) => w !== null).join(', ')}: ${e.message}`;
}

/** The same error as a throwable, for callers that prefer exceptions (`loadDatasetOrThrow`). */
export class DatasetReadError extends Error {
  constructor(readonly detail: DatasetError) {
    super(formatDatasetError(detail));
    this.name = 'DatasetReadError';
  }
}
