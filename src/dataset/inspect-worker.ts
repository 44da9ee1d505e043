/** Worker-thread task (run by pool-thread.ts): inspects a batch of image/mask files (batches keep messaging cheap for small files). */
import { inspectImage, inspectMask, type ImageFacts, type InspectWants, type MaskFacts } from './inspect.js';

export interface InspectRequest {
  wants: InspectWants;
  items: { image?: string; mask?: string }[];
}

export type InspectReply = { image?: ImageFacts; mask?: MaskFacts }[];

export default function inspectBatch({ wants, items }: InspectRequest): InspectReply {
  const out: InspectReply = [];
  for (const item of items) {
    out.push({
      image: item.image === undefined ? undefined : inspectImage(item.image, wants),
      mask: item.mask === undefined ? undefined : inspectMask(item.mask, wants),
    });
  }
  return out;
}
