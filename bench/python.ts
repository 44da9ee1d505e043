/**
 * The Python side: Debian's python3 with Pillow (and nibabel for volumes), installed with apt when
 * missing and possible, and the README's preprocess_medbank.py written out at bench time.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PYTHON } from './measure.js';

function has(module: string): boolean {
  return spawnSync(PYTHON, ['-c', `import ${module}`]).status === 0;
}

/** Makes `modules` importable (apt-get as root), or returns why not. */
export function ensurePython(modules: Record<string, string>): string | undefined {
  const missing = Object.entries(modules).filter(([m]) => !has(m));
  if (missing.length === 0) return undefined;
  const packages = missing.map(([, pkg]) => pkg);
  if (process.getuid?.() === 0 && spawnSync('which', ['apt-get']).status === 0) {
    process.stderr.write(`installing ${packages.join(' ')} with apt-get\n`);
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    spawnSync('apt-get', ['install', '-y', '-qq', ...packages], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  const still = missing.filter(([m]) => !has(m)).map(([, pkg]) => pkg);
  return still.length ? `${PYTHON} lacks ${still.join(', ')} (apt-get install ${still.join(' ')})` : undefined;
}

/**
 * The script exactly as the MedBank README prints it, with its missing `import shutil` added and
 * the two placeholder paths of its `__main__` block taken from argv. Nothing else is changed.
 */
export const README_SCRIPT = `# preprocess_medbank.py
import os
import shutil
import numpy as np
from PIL import Image
from tqdm import tqdm

def preprocess_medbank(root_dir, output_dir, target_size=1024):
    """
    Preprocess MedBank dataset for SAMed2 training
    
    Args:
        root_dir: Path to MedBank root directory
        output_dir: Path to save preprocessed data
        target_size: Target image size (default: 1024)
    """
    tasks = os.listdir(root_dir)
    
    for task in tqdm(tasks, desc="Processing tasks"):
        task_path = os.path.join(root_dir, task)
        if not os.path.isdir(task_path):
            continue
            
        # Create output directories
        out_task_path = os.path.join(output_dir, task)
        os.makedirs(os.path.join(out_task_path, "images"), exist_ok=True)
        os.makedirs(os.path.join(out_task_path, "masks"), exist_ok=True)
        
        # Process images
        image_dir = os.path.join(task_path, "images")
        mask_dir = os.path.join(task_path, "masks")
        
        for img_name in os.listdir(image_dir):
            # Load and resize image
            img_path = os.path.join(image_dir, img_name)
            mask_path = os.path.join(mask_dir, img_name)
            
            img = Image.open(img_path).convert('RGB')
            mask = Image.open(mask_path).convert('L')
            
            # Resize
            img = img.resize((target_size, target_size), Image.BILINEAR)
            mask = mask.resize((target_size, target_size), Image.NEAREST)
            
            # Save
            img.save(os.path.join(out_task_path, "images", img_name))
            mask.save(os.path.join(out_task_path, "masks", img_name))
        
        # Copy split files
        for split_file in ['train.txt', 'val.txt', 'test.txt']:
            src = os.path.join(task_path, split_file)
            dst = os.path.join(out_task_path, split_file)
            if os.path.exists(src):
                shutil.copy(src, dst)

if __name__ == "__main__":
    import sys
    preprocess_medbank(sys.argv[1], sys.argv[2])
`;

/** The same per-pair work spread over multiprocessing.Pool(2): the honest yardstick for 2 cores. */
export const POOL_SCRIPT = `import os, sys, shutil
from multiprocessing import Pool
from PIL import Image

def one(args):
    img_path, mask_path, out_img, out_mask, target_size = args
    img = Image.open(img_path).convert('RGB')
    mask = Image.open(mask_path).convert('L')
    img = img.resize((target_size, target_size), Image.BILINEAR)
    mask = mask.resize((target_size, target_size), Image.NEAREST)
    img.save(out_img)
    mask.save(out_mask)

def main(root_dir, output_dir, target_size=1024):
    work = []
    for task in os.listdir(root_dir):
        task_path = os.path.join(root_dir, task)
        if not os.path.isdir(task_path):
            continue
        out_task_path = os.path.join(output_dir, task)
        os.makedirs(os.path.join(out_task_path, "images"), exist_ok=True)
        os.makedirs(os.path.join(out_task_path, "masks"), exist_ok=True)
        for img_name in os.listdir(os.path.join(task_path, "images")):
            work.append((os.path.join(task_path, "images", img_name), os.path.join(task_path, "masks", img_name),
                         os.path.join(out_task_path, "images", img_name), os.path.join(out_task_path, "masks", img_name), target_size))
        for split_file in ['train.txt', 'val.txt', 'test.txt']:
            src = os.path.join(task_path, split_file)
            if os.path.exists(src):
                shutil.copy(src, os.path.join(out_task_path, split_file))
    with Pool(2) as pool:
        pool.map(one, work, chunksize=1)

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
`;

/** tqdm is not part of Debian's python3 here: a pass-through stand-in keeps the script unchanged. */
const TQDM_SHIM = `def tqdm(iterable=None, *args, **kwargs):
    return iterable
`;

export interface Scripts {
  dir: string;
  readme: string;
  pool: string;
  /** PYTHONPATH holding the tqdm stand-in, when the real one is missing. */
  env: NodeJS.ProcessEnv;
  tqdmShim: boolean;
}

export async function writeScripts(dir: string): Promise<Scripts> {
  await mkdir(dir, { recursive: true });
  const readme = path.join(dir, 'preprocess_medbank.py');
  const pool = path.join(dir, 'preprocess_medbank_pool2.py');
  await writeFile(readme, README_SCRIPT);
  await writeFile(pool, POOL_SCRIPT);
  const tqdmShim = !has('tqdm');
  if (tqdmShim) {
    await mkdir(path.join(dir, 'shim'), { recursive: true });
    await writeFile(path.join(dir, 'shim', 'tqdm.py'), TQDM_SHIM);
  }
  return { dir, readme, pool, env: tqdmShim ? { PYTHONPATH: path.join(dir, 'shim') } : {}, tqdmShim };
}
