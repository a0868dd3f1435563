// Writes the small Parquet files the dataset-reader tests read (test/fixtures/*.parquet).
// Run from packages/eval: `npm run fixtures`.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parquetWriteFile } from 'hyparquet-writer';

const dir = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
mkdirSync(dir, { recursive: true });

// GSM8K layout, two rows per row group so the reader has to stream across groups.
parquetWriteFile({
  filename: `${dir}gsm8k.parquet`,
  rowGroupSize: 2,
  columnData: [
    {
      name: 'question',
      type: 'STRING',
      data: [
        'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?',
        'Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting. How much did she earn?',
        'Betty has half of the $100 she needs and gets $15 from her parents and twice that from her grandparents. How much more money does Betty need?',
        'A question whose answer has no gold marker.',
        'James writes a 3-page letter to 2 different friends twice a week. How many pages does he write a year?',
      ],
    },
    {
      name: 'answer',
      type: 'STRING',
      data: [
        'Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72',
        'Weng earns 12/60 = $<<12/60=0.2>>0.2 per minute.\nWorking 50 minutes, she earned 0.2 x 50 = $<<0.2*50=10>>10.\n#### 10',
        'Betty has 100 / 2 = $<<100/2=50>>50.\nHer grandparents give 15 * 2 = $<<15*2=30>>30.\nShe needs 100 - 50 - 30 - 15 = $<<100-50-30-15=5>>5 more.\n#### 5',
        'It is 7.',
        'He writes 3*2=<<3*2=6>>6 pages each time, 6*2=<<6*2=12>>12 a week, 12*52=<<12*52=624>>624 a year.\n#### 624',
      ],
    },
  ],
});

// MMLU layout: a list column of choices and an integer answer; row 3 has an out-of-range answer.
parquetWriteFile({
  filename: `${dir}mmlu.parquet`,
  rowGroupSize: 2,
  columnData: [
    { name: 'question', type: 'STRING', data: ['2 + 2 = ?', 'Capital of France?', 'Largest planet?'] },
    { name: 'subject', type: 'STRING', data: ['elementary_mathematics', 'geography', 'astronomy'] },
    { name: 'choices', data: [['3', '4', '5', '6'], ['Lyon', 'Paris', 'Nice', 'Lille'], ['Mars', 'Venus', 'Jupiter', 'Earth']] },
    { name: 'answer', type: 'INT32', data: [1, 1, 7] },
  ],
});

// VQAv2 layout: answers as a list of { answer, answer_confidence, answer_id } objects.
const answers = (...as: string[]) => as.map((answer, k) => ({ answer, answer_confidence: 'yes', answer_id: k + 1 }));
parquetWriteFile({
  filename: `${dir}vqav2.parquet`,
  columnData: [
    { name: 'question_id', type: 'INT64', data: [262148000n, 262148001n] },
    { name: 'question', type: 'STRING', data: ['What color is the bus?', 'How many people?'] },
    { name: 'answer_type', type: 'STRING', data: ['other', 'number'] },
    { name: 'answers', data: [answers('red', 'red', 'red', 'dark red'), answers('2', '2', 'two', '3')] },
  ],
});
