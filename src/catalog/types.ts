/**
 * The contract between source adapters and the pipeline. An adapter declares a source's metadata
 * and turns a raw download folder into serialisable job descriptions; it never touches pixels or
 * outputs. Everything here crosses the worker boundary, so it stays plain JSON.
 */

export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/** DESIGN.md §4 modality codes. */
export type ModalityCode = 'UT' | 'OC' | 'DS' | 'EN' | 'XR' | 'MI' | 'PH' | 'MR' | 'CT' | 'EC';

export type CommercialUse = 'yes' | 'no' | 'unclear';
export type Access = 'open download' | 'registration' | 'challenge';

export interface License {
  /** The license as the MedBank README states it. */
  text: string;
  /** SPDX identifier where one exists. */
  spdx?: string;
  commercial: CommercialUse;
  /** Who to credit, as the card prints it. */
  attribution: string;
}

export interface CtWindow {
  level: number;
  width: number;
}

export interface TaskSpec {
  /** `<Structure>_<MOD>_<ID>`; the ID is global and fixed by catalog order. */
  id: string;
  /** Human name of the target structure. */
  structure: string;
  /** Raw label values that make up the structure (empty where masks are already binary). */
  labels: number[];
  /** How the mask is derived from the raw annotation, in words. */
  rule: string;
  /** Overrides the source's modality code (AMOS has CT and MRI tasks). */
  modality?: ModalityCode;
  /** `box` where the source has no pixel masks and boxes are filled (PlantDoc). */
  annotation?: 'pixel' | 'box';
  /** Default CT window for volumetric CT tasks. */
  window?: CtWindow;
  /**
   * Paired organs only (kidneys, adrenal glands): the patient's side the task's "Right"/"Left"
   * names, shown on the image's left for the patient's right. The adapter declares it.
   */
  side?: Laterality;
  /** The task of the other side, derived once by the registry from `side` (same source and modality). */
  mirror?: string;
}

export type Laterality = 'patient-right' | 'patient-left';

export interface Citation {
  key: string;
  bibtex: string;
}

export interface SourceInfo {
  /** Catalog id, also the raw folder name (DESIGN.md §2). */
  id: string;
  name: string;
  /** Position in catalog order; task ids follow it. */
  order: number;
  link: string;
  license: License;
  access: Access;
  modality: string;
  modalityCode: ModalityCode;
  anatomy: string;
  dimension: '2d' | '3d';
  /**
   * What its scan yields: one job per raw 2D image, or one per volume file (CAMUS's 2D echo
   * frames are volumes too). The build sizes its worker pool by it before scanning.
   */
  jobKind: '2d' | 'volume';
  tasks: TaskSpec[];
  /** What the source asks users to cite; the first is its primary reference. */
  citations: Citation[];
  /** Numbered manual download steps. */
  download: string[];
  /** What `medbank fetch` downloads, or why it cannot, with the steps to do by hand. */
  fetch: SourceFetch;
  /** The folder layout MedBank expects under `<raw>/<id>/`. */
  layout: string;
}

/** A published checksum and where the fact comes from (ACQUISITION.md names the peer loader). */
export interface Checksum {
  algorithm: 'sha256' | 'md5';
  value: string;
  origin: string;
}

/** How an archive unpacks: `file` is a single file copied as is (KiTS19's per-case volumes). */
export type ArchiveFormat = 'zip' | 'tar' | 'tar.gz' | 'rar' | 'file';

/** Where an archive's bytes come from; `hand` means a person downloads it (login, form, terms). */
export type ArchiveOrigin =
  | { kind: 'url'; url: string }
  /** Kaggle dataset `owner/slug`, downloaded with the user's API token. */
  | { kind: 'kaggle'; dataset: string }
  /** A Synapse file found by name below a project (`path` from the project down to the file). */
  | { kind: 'synapse'; project: string; path: string[] }
  | { kind: 'hand' };

export interface FetchArchive {
  /** File name in `<raw>/.downloads/<id>/` and under a mirror's `<url>/<id>/`. */
  name: string;
  from: ArchiveOrigin;
  /** Where the URL (or dataset id) comes from. */
  origin: string;
  /** Size in bytes, where published. */
  size?: number;
  checksums: Checksum[];
  format: ArchiveFormat;
  /** Folder under `<raw>/<id>/` it unpacks into ('' = the source folder); for `file`, its path there. */
  into: string;
  /** The server rebuilds it on every download (CAMUS), so its hash is never pinned: the unpacked files are. */
  rebuiltPerDownload?: boolean;
  /** Not needed by `build` (REFUGE's test labels): used when present, otherwise only noted. */
  optional?: boolean;
}

/** One way to obtain a source: every archive it lists. */
export interface FetchRoute {
  archives: FetchArchive[];
  /** What a user should know about this way (mirror layout, missing parts). */
  note?: string;
}

export interface SourceFetch {
  /** Ways to obtain the source, in order of preference; the first whose needs are met is used. */
  routes: FetchRoute[];
  /** Why a person may have to download it, and the exact steps (placing archives in `.downloads/<id>/`). */
  manual: { reason: string; steps: string[] };
  /** Archive names are unknown: any zip, tar or RAR placed in `.downloads/<id>/` is unpacked. */
  anyArchive?: boolean;
}

/** How one task's binary mask is derived from raw annotation files (paths relative to the raw root). */
export type MaskRule =
  /** Foreground where the Pillow-style luma of any listed file is above `above` (OR of files). */
  | { kind: 'luma-above'; files: string[]; above: number }
  /**
   * Foreground where the luma is below `below` (REFUGE: darker than background). `maxShare`: the
   * largest share of the image the structure can cover; more means inverted classes (a problem).
   */
  | { kind: 'luma-below'; file: string; below: number; maxShare?: number }
  /** Foreground where the raw integer label (any bit depth, first channel) is one of `values`; [] means > 0. */
  | { kind: 'labels'; file: string; values: number[] }
  /** Foreground inside any box (x0, y0, x1, y1 in source pixels, inclusive-exclusive). */
  | { kind: 'boxes'; boxes: [number, number, number, number][] };

export interface MaskTarget {
  task: string;
  mask: MaskRule;
}

/** Image intensity transforms beyond plain 8-bit RGB conversion. */
export type ImageTransform = { kind: 'percentile'; low: number; high: number };

/** Where a job's samples go in the split: an official split, a pool to carve val from, or free. */
export type SplitHint = Split | 'trainval';

/** One 2D raw image and the masks derived from it: one output sample per kept target. */
export interface Job2D {
  kind: '2d';
  source: string;
  /** Output file stem, unique within each of the job's tasks. */
  name: string;
  /** Split group (patient, sequence, case); samples of one group share a split. */
  group: string;
  split?: SplitHint;
  /** Raw image path relative to the raw root. */
  image: string;
  /**
   * Frame number in a video whose sequence boundaries are not published: at split time,
   * consecutive frames whose images stay within a difference-hash distance form one group.
   */
  videoFrame?: number;
  /** Crop applied to image and masks before resizing; `left-half` for stereo pairs. */
  crop?: 'left-half';
  transform?: ImageTransform;
  targets: MaskTarget[];
  /** Extra facts recorded in the manifest (class, annotator, view...). */
  meta: Record<string, string | number | boolean>;
}

/** How a volume's voxel values become 8-bit grey: a CT window (clipped) or per-volume percentiles of non-zero voxels. */
export type VolumeIntensity = { kind: 'window'; level: number; width: number } | { kind: 'percentile'; low: number; high: number };

/** One task of a volume: the label values that make up its structure and the image intensity it uses. */
export interface VolumeTarget {
  task: string;
  labels: number[];
  intensity: VolumeIntensity;
}

/**
 * How slices are cut and laid out. \`axial\`: reorient to the closest canonical (RAS) axes and cut
 * along superior-inferior. \`stack\`: cut along the acquisition stack (raw axis 2; ACDC's oblique
 * short-axis planes) with the in-plane axes turned as close to radiological as the plane allows.
 * \`frame\`: a 2D frame without patient axes (echo), shown as stored (ITK row order).
 */
export type SliceMode = 'axial' | 'stack' | 'frame';

/** One volume (NIfTI or MetaImage) and its label volume: one output sample per kept slice and target. */
export interface JobVolume {
  kind: 'volume';
  source: string;
  /** Case prefix; slices are named \`<name>_slice_<zzzz>\` (frames: \`<name>\`). */
  name: string;
  group: string;
  split?: SplitHint;
  /** Raw image volume path relative to the raw root. */
  image: string;
  /** Raw label volume path relative to the raw root (same voxel grid). */
  label: string;
  slicing: SliceMode;
  targets: VolumeTarget[];
  meta: Record<string, string | number | boolean>;
}

export type Job = Job2D | JobVolume;

export interface Problem {
  /** Raw path relative to the raw root (or the output path) the problem is about. */
  file: string;
  reason: string;
}

export interface ScanOptions {
  /** Source-specific options from the command line (e.g. RIM-ONE annotator). */
  [key: string]: string | undefined;
}

export interface ScanContext {
  /** Absolute path of `<raw>/<id>`. */
  sourceDir: string;
  /** Absolute path of the raw root; job paths are relative to it. */
  rawRoot: string;
  options: ScanOptions;
  /** The files below `sourceDir` (absolute, sorted), walked once for the scan and its accounting (walk.ts). */
  files: string[];
  /** Reads a text file of the source (a list, box file or table) and counts it as used. */
  readText(file: string): Promise<string>;
}

export interface ScanResult {
  jobs: Job[];
  /** Files that could not be used (missing mask, unreadable list...). */
  problems: Problem[];
  /** Facts about what was found (variant, counts), printed and recorded. */
  notes: string[];
}

/** Files of a source folder that its adapter leaves alone on purpose (debris is ignored for every source). */
export interface IgnoreRule {
  /** Tested on the path relative to the source folder, with `/` separators. */
  pattern: RegExp;
  reason: string;
}

/**
 * What became of the files below a source folder (medbank.json `sources[].files`); every file is
 * in exactly one count: total = used + problems + the sum of ignored.
 */
export interface FileAccount {
  total: number;
  /** Files a sample is made from, and files the scan read (lists, box files, tables). */
  used: number;
  /** Files (and links not followed) named by a problem and not used. */
  problems: number;
  /** Files left alone, by reason. */
  ignored: Record<string, number>;
}

export interface SourceAdapter extends SourceInfo {
  /** Documented parts of the release that no sample is made from. */
  ignore?: IgnoreRule[];
  /** Lists the raw files and describes the jobs; no pixel decoding. */
  scan(ctx: ScanContext): Promise<ScanResult>;
}
