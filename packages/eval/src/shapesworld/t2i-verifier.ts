import type { RgbImage } from '@mmada/image';
import { relativePosition } from './relations.js';
import { type DetectedObject, detectObjects, type SegmentationOptions } from './segmentation.js';
import type { ShapeRequirement, T2IPrompt } from './t2i-prompt.js';

export interface T2IVerdict {
  readonly correct: boolean;
  /** Why the image fails, one line per unmet requirement; empty when correct. */
  readonly reasons: readonly string[];
  readonly detected: readonly DetectedObject[];
}

const describe = (r: ShapeRequirement) => `${r.count} ${r.color ? r.color + ' ' : ''}${r.shape}`;

/**
 * Decides whether an image satisfies a text-to-image prompt, following GenEval's rules: every include
 * group must find `count` matching shapes (of the right colour when one is named), position groups must
 * stand in the named relation to every shape of their target group, and no exclude group may reach its count.
 */
export function verifyT2I(img: RgbImage, prompt: T2IPrompt, options: SegmentationOptions = {}): T2IVerdict {
  const detected = detectObjects(img, options);
  const reasons: string[] = [];
  const candidates = (r: ShapeRequirement) => detected.filter((o) => o.shape === r.shape && (r.color === undefined || o.color === r.color));
  const matched: (DetectedObject[] | null)[] = [];
  for (const req of prompt.include) {
    const found = candidates(req).slice(0, req.count);
    if (found.length < req.count) {
      reasons.push(`expected ${describe(req)}, found ${found.length}`);
      matched.push(null);
      continue;
    }
    if (req.position) {
      const targets = matched[req.position.target];
      if (!targets) {
        reasons.push(`no target for ${req.shape} to be ${req.position.relation}`);
        matched.push(null);
        continue;
      }
      const misplaced = found.some((o) => targets.some((t) => !relativePosition(o.box, t.box).has(req.position!.relation)));
      if (misplaced) {
        reasons.push(`${req.shape} is not ${req.position.relation} ${prompt.include[req.position.target].shape}`);
        matched.push(null);
        continue;
      }
    }
    matched.push(found);
  }
  for (const req of prompt.exclude) {
    const n = candidates(req).length;
    if (n >= req.count) reasons.push(`expected fewer than ${describe(req)}, found ${n}`);
  }
  return { correct: reasons.length === 0, reasons, detected };
}
