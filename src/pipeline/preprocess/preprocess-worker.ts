/** Worker-thread entry of `medbank preprocess` (one libvips thread per worker, as for builds). */
import sharp from '../../io/image/sharp.js';
import { preprocessPair } from './preprocess-pair.js';

sharp.concurrency(1);
sharp.cache(false);

export default preprocessPair;
