/*
 * The per-pixel facts `validate` and `stats` derive from a decoded PNG (src/dataset/inspect.ts
 * has the TypeScript originals and their meaning): for an image, luma sums over a grid of cells
 * and whether it looks like a mask; for a mask, its value set, foreground and bounding box. In
 * TypeScript these cost about as much as the decode of a 1024² image itself; here a sixth.
 *
 * imageCells(data, width, height, channels, cellSum: Float64Array, columns, rows) -> looksLikeMask
 * maskFacts(data, width, height, channels, seen: Uint8Array(256), box: Int32Array(4)) -> foreground
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "addon.h"

static int typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *length) {
  napi_typedarray_type type;
  return napi_get_typedarray_info(env, v, &type, length, data, NULL, NULL) == napi_ok && type == want;
}

static int ints(napi_env env, napi_value *argv, int32_t *out, int count) {
  for (int i = 0; i < count; i++)
    if (napi_get_value_int32(env, argv[i], &out[i]) != napi_ok) return 0;
  return 1;
}

napi_value image_cells(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 7) THROW("imageCells takes 7 arguments");
  uint8_t *data;
  double *sums;
  size_t length, cells;
  int32_t whc[3], grid[2];
  if (!typed(env, argv[0], napi_uint8_array, (void **)&data, &length) || !typed(env, argv[4], napi_float64_array, (void **)&sums, &cells) ||
      !ints(env, argv + 1, whc, 3) || !ints(env, argv + 5, grid, 2))
    THROW("imageCells(data: Uint8Array, width, height, channels, cellSum: Float64Array, columns, rows)");
  size_t w = (size_t)whc[0], h = (size_t)whc[1], ch = (size_t)whc[2], cols = (size_t)grid[0], rows = (size_t)grid[1];
  if (whc[0] < 1 || whc[1] < 1 || whc[2] < 1 || whc[2] > 4 || grid[0] < 1 || grid[1] < 1 || length != w * h * ch || cells != cols * rows)
    THROW("imageCells: sizes do not match");
  uint32_t *column = malloc(w * sizeof *column);
  uint64_t *row_sum = calloc(cols, sizeof *row_sum);
  if (!column || !row_sum) {
    free(column);
    free(row_sum);
    THROW("out of memory");
  }
  for (size_t x = 0; x < w; x++) column[x] = (uint32_t)(x * cols / w);
  size_t colour = ch >= 3 ? 1 : 0;
  int two_levels = 1, level_a = -1, level_b = -1;
  for (size_t y = 0; y < h; y++) {
    const uint8_t *p = data + y * w * ch;
    for (size_t x = 0; x < w; x++, p += ch) {
      uint32_t r = p[0], g = p[colour], b = p[2 * colour];
      row_sum[column[x]] += 77 * r + 150 * g + 29 * b;
      if (!two_levels) continue;
      if (r != g || g != b) two_levels = 0;
      else if ((int)r != level_a && (int)r != level_b) {
        if (level_a < 0) level_a = (int)r;
        else if (level_b < 0) level_b = (int)r;
        else two_levels = 0;
      }
    }
    double *cell_row = sums + (y * rows / h) * cols;
    for (size_t c = 0; c < cols; c++) {
      cell_row[c] += (double)row_sum[c];
      row_sum[c] = 0;
    }
  }
  free(column);
  free(row_sum);
  napi_value result;
  napi_get_boolean(env, two_levels, &result);
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
  if (!typed(env, argv[0], napi_uint8_array, (void **)&data, &length) || !typed(env, argv[4], napi_uint8_array, (void **)&seen, &seen_len) ||
      !typed(env, argv[5], napi_int32_array, (void **)&box, &box_len) || !ints(env, argv + 1, whc, 3))
    THROW("maskFacts(data: Uint8Array, width, height, channels, seen: Uint8Array, box: Int32Array)");
  size_t w = (size_t)whc[0], h = (size_t)whc[1], ch = (size_t)whc[2];
  if (whc[0] < 1 || whc[1] < 1 || whc[2] < 1 || whc[2] > 4 || length != w * h * ch || seen_len != 256 || box_len != 4)
    THROW("maskFacts: sizes do not match");
  double foreground = 0;
  int64_t x0 = (int64_t)w, y0 = (int64_t)h, x1 = -1, y1 = -1;
  for (size_t y = 0; y < h; y++) {
    const uint8_t *p = data + y * w * ch;
    size_t count = 0, first = w, last = 0;
    for (size_t x = 0; x < w; x++, p += ch) {
      seen[*p] = 1;
      if (*p) {
        count++;
        if (first == w) first = x;
        last = x;
      }
    }
    if (!count) continue;
    foreground += (double)count;
    if ((int64_t)first < x0) x0 = (int64_t)first;
    if ((int64_t)last > x1) x1 = (int64_t)last;
    if (y0 == (int64_t)h) y0 = (int64_t)y;
    y1 = (int64_t)y;
  }
  box[0] = (int32_t)x0;
  box[1] = (int32_t)y0;
  box[2] = (int32_t)x1;
  box[3] = (int32_t)y1;
  napi_value result;
  napi_create_double(env, foreground, &result);
  return result;
}
