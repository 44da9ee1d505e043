/**
 * The stable codes of `medbank validate`: scripts match on them, so a code is never renamed or
 * reused. The order here is the order findings are reported in.
 */
export const CHECKS = {
  'record.missing': 'medbank.json is absent although the tree has a manifest',
  'record.malformed': 'medbank.json is not valid JSON or lacks required fields',
  'record.task-missing': 'a task listed in medbank.json has no folder',
  'record.task-unlisted': 'a task folder is not listed in medbank.json',
  'record.counts': "a task's sample counts differ from medbank.json",
  'manifest.missing': 'manifest.jsonl is absent although the tree has a build record',
  'manifest.malformed': 'a manifest line is not valid JSON or lacks required fields',
  'manifest.row-missing': 'a sample has no manifest row',
  'manifest.orphan': 'a manifest row names a sample that is not in the tree',
  'manifest.split': 'a manifest row gives another split than the split files',
  'manifest.hash': 'a file differs from the sha256 in its manifest row (--deep)',
  'file.not-png': 'a file in an image or mask folder is not named .png',
  'file.unreadable': 'a file in an image or mask folder cannot be read (symbolic link loop, dangling link, no permission)',
  'pair.mask-missing': 'an image has no mask with the same name',
  'pair.image-missing': 'a mask has no image with the same name',
  'pair.size-mismatch': 'an image and its mask differ in width or height',
  'png.corrupt': 'a PNG does not decode fully (truncated, bad CRC, not a PNG)',
  'image.format': 'an image is not 8-bit RGB or grey as the build declares',
  'image.size': 'an image is not the size the build declares',
  'image.looks-like-mask': 'an image has only two grey levels: probably a mask stored as an image',
  'mask.format': 'a mask is not a single-channel 8-bit PNG',
  'mask.values': "a mask holds values outside its task's declared set ({0, 255} for binary tasks)",
  'mask.empty': 'a mask is empty although the build says empty masks were skipped',
  'mask.empty-rate': "more than half of a task's masks are empty",
  'split.file-missing': 'a task has no train.txt, val.txt or test.txt',
  'split.blank-line': 'a split file has a blank line',
  'split.malformed': "a split line does not have the layout's form",
  'split.duplicate': 'a split file lists a line twice',
  'split.unknown-file': 'a split line names an image that does not exist',
  'split.overlap': 'an image is listed in two split files',
  'split.uncovered': 'an image is in no split file',
  'group.leak': 'one group (patient, case, sequence) has samples in two splits',
  'leak.identical': 'byte-identical images in two splits',
  'leak.near-identical': 'near-identical images (perceptual hash) in two splits',
} as const;

export type CheckCode = keyof typeof CHECKS;

export const CHECK_ORDER = Object.keys(CHECKS) as CheckCode[];

/** Tree-wide share of empty masks above which `mask.empty-rate` fires. */
export const EMPTY_RATE_LIMIT = 0.5;
