/*
 * The per-pixel facts `validate` and `stats` derive from a decoded PNG (src/dataset/inspect.ts
 * has the TypeScript originals and their meaning): for an image, luma sums over a grid of cells
 * and whether it looks like a mask; for a mask, its value set, foreground and bounding box. In
 * TypeScript these cost about as much as the decode of a 1024² image itself; here a sixth, and
 * fed row by row from png-decoder.c's decode (as `validate` does), less still.
 *
 * imageCells(data, width, height, channels, cellSum: Float64Array, columns, rows) -> looksLikeMask
 * maskFacts(data, width, height, channels, seen: Uint8Array(256), box: Int32Array(4)) -> foreground
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "addon.h"
#include "pixel-facts.h"

static int ints(napi_env env, napi_value *argv, int32_t *out, int count) {
  for (int i = 0; i < count; i++)
    if (napi_get_value_int32(env, argv[i], &out[i]) != napi_ok) return 0;
  return 1;
}

int image_cells_begin(ImageCells *s, size_t width, size_t height, size_t channels, double *cell_sum, size_t columns, size_t rows) {
  *s = (ImageCells){.width = width, .height = height, .channels = channels, .columns = columns, .rows = rows, .cell_sum = cell_sum, .two_levels = 1, .level_a = -1, .level_b = -1};
  s->bounds = malloc((columns + 1) * sizeof *s->bounds);
  s->column_sum = calloc(width * channels, sizeof *s->column_sum);
  if (!s->bounds || !s->column_sum) {
    image_cells_end(s);
    return 0;
  }
  /* Pixel x belongs to cell floor(x * columns / width), the TypeScript original's rule. */
  size_t x = 0;
  for (size_t c = 0; c <= columns; c++) {
    while (x < width && x * columns / width < c) x++;
    s->bounds[c] = x;
  }
  return 1;
}

/* Adds the column sums of the current band to its cells' luma sums and clears them. */
static void flush_band(ImageCells *s) {
  if (!s->band_rows) return;
  size_t ch = s->channels, colour = ch >= 3 ? 1 : 0;
  double *cell_row = s->cell_sum + s->band * s->columns;
  for (size_t c = 0; c < s->columns; c++) {
    uint64_t sum = 0;
    for (size_t x = s->bounds[c]; x < s->bounds[c + 1]; x++) {
      const uint32_t *p = s->column_sum + x * ch;
      sum += 77 * (uint64_t)p[0] + 150 * (uint64_t)p[colour] + 29 * (uint64_t)p[2 * colour];
    }
    cell_row[c] += (double)sum;
  }
  memset(s->column_sum, 0, s->width * ch * sizeof *s->column_sum);
  s->band_rows = 0;
}

/*
 * The luma sums are linear, so rows are first summed sample by sample down each band of cells (a
 * loop over contiguous bytes that the compiler vectorises) and weighted per cell once per band:
 * the same integers as weighting every pixel, in a third of the time.
 */
void image_cells_row(ImageCells *s, const uint8_t *row, size_t y) {
  size_t band = y * s->rows / s->height, n = s->width * s->channels;
  /* 2^24 rows of 255 still fit a 32-bit sum. */
  if (band != s->band || s->band_rows == (1u << 24)) {
    flush_band(s);
    s->band = band;
  }
  uint32_t *sum = s->column_sum;
  for (size_t i = 0; i < n; i++) sum[i] += row[i];
  s->band_rows++;
  if (!s->two_levels) return;
  size_t ch = s->channels, colour = ch >= 3 ? 1 : 0;
  for (const uint8_t *p = row, *end = row + n; p < end; p += ch) {
    int r = p[0];
    if (r != p[colour] || r != p[2 * colour]) {
      s->two_levels = 0;
      return;
    }
    if (r == s->level_a || r == s->level_b) continue;
    if (s->level_a < 0)
      s->level_a = r;
    else if (s->level_b < 0)
      s->level_b = r;
    else {
      s->two_levels = 0;
      return;
    }
  }
}

void image_cells_end(ImageCells *s) {
  if (s->bounds && s->column_sum) flush_band(s);
  free(s->bounds);
  free(s->column_sum);
  s->bounds = NULL;
  s->column_sum = NULL;
}

void mask_facts_begin(MaskFacts *s, size_t width, size_t height, size_t channels, uint8_t *seen) {
  *s = (MaskFacts){.width = width, .height = height, .channels = channels, .seen = seen, .x0 = (int64_t)width, .y0 = (int64_t)height, .x1 = -1, .y1 = -1};
}

void mask_facts_row(MaskFacts *s, const uint8_t *row, size_t y) {
  size_t w = s->width, ch = s->channels, count = 0, first = w, last = 0;
  /* Most rows of a mask are one value (background, or across an organ): glibc's memcmp finds that fast. */
  if (ch == 1 && (w == 1 || memcmp(row, row + 1, w - 1) == 0)) {
    s->seen[row[0]] = 1;
    if (row[0]) count = w, first = 0, last = w - 1;
  } else {
    const uint8_t *p = row;
    for (size_t x = 0; x < w; x++, p += ch) {
      s->seen[*p] = 1;
      if (*p) {
        count++;
        if (first == w) first = x;
        last = x;
      }
    }
  }
  if (!count) return;
  s->foreground += (double)count;
  if ((int64_t)first < s->x0) s->x0 = (int64_t)first;
  if ((int64_t)last > s->x1) s->x1 = (int64_t)last;
  if (s->y0 == (int64_t)s->height) s->y0 = (int64_t)y;
  s->y1 = (int64_t)y;
}

void mask_facts_end(MaskFacts *s, int32_t *box) {
  box[0] = (int32_t)s->x0;
  box[1] = (int32_t)s->y0;
  box[2] = (int32_t)s->x1;
  box[3] = (int32_t)s->y1;
}

napi_value image_cells(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 7) THROW("imageCells takes 7 arguments");
  uint8_t *data;
  double *sums;
  size_t length, cells;
  int32_t whc[3], grid[2];
  if (!typed_array(env, argv[0], napi_uint8_array, (void **)&data, &length) || !typed_array(env, argv[4], napi_float64_array, (void **)&sums, &cells) ||
      !ints(env, argv + 1, whc, 3) || !ints(env, argv + 5, grid, 2))
    THROW("imageCells(data: Uint8Array, width, height, channels, cellSum: Float64Array, columns, rows)");
  size_t w = (size_t)whc[0], h = (size_t)whc[1], ch = (size_t)whc[2], cols = (size_t)grid[0], rows = (size_t)grid[1];
  if (whc[0] < 1 || whc[1] < 1 || whc[2] < 1 || whc[2] > 4 || grid[0] < 1 || grid[1] < 1 || length != w * h * ch || cells != cols * rows)
    THROW("imageCells: sizes do not match");
  ImageCells s;
  if (!image_cells_begin(&s, w, h, ch, sums, cols, rows)) THROW("out of memory");
  for (size_t y = 0; y < h; y++) image_cells_row(&s, data + y * w * ch, y);
  image_cells_end(&s);
  napi_value result;
  napi_get_boolean(env, s.two_levels, &result);
  return result;
}

napi_value mask_facts(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 6) THROW("maskFacts takes 6 arguments");
  uint8_t *data, *seen;
  int32_t *box;
  size_t length, seen_len, box_len;
  int32_t whc[3];
  if (!typed_array(env, argv[0], napi_uint8_array, (void **)&data, &length) || !typed_array(env, argv[4], napi_uint8_array, (void **)&seen, &seen_len) ||
      !typed_array(env, argv[5], napi_int32_array, (void **)&box, &box_len) || !ints(env, argv + 1, whc, 3))
    THROW("maskFacts(data: Uint8Array, width, height, channels, seen: Uint8Array, box: Int32Array)");
  size_t w = (size_t)whc[0], h = (size_t)whc[1], ch = (size_t)whc[2];
  if (whc[0] < 1 || whc[1] < 1 || whc[2] < 1 || whc[2] > 4 || length != w * h * ch || seen_len != 256 || box_len != 4)
    THROW("maskFacts: sizes do not match");
  MaskFacts s;
  mask_facts_begin(&s, w, h, ch, seen);
  for (size_t y = 0; y < h; y++) mask_facts_row(&s, data + y * w * ch, y);
  mask_facts_end(&s, box);
  napi_value result;
  napi_create_double(env, s.foreground, &result);
  return result;
}
