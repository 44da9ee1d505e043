/*
 * The pixel half of a PNG decode for checks (src/io/image/png-decode.ts walks the chunks and CRCs):
 * inflate the concatenated IDAT stream with libdeflate and undo the row filters, for 8-bit
 * samples without interlacing. node:zlib plus a TypeScript unfilter spend most of `validate`'s
 * time on a 1024² RGB image; here the same takes about a third (README, "Checking a tree").
 *
 * inflatePng(idat, width, height, channels) -> Buffer of width*height*channels samples
 * pngImageFacts(idat, width, height, channels, cellSum, columns, rows) -> looksLikeMask
 * pngMaskFacts(idat, width, height, channels, seen, box) -> foreground
 *   The same decode, each row handed to pixel-facts.c's accumulators as it is unfiltered: what
 *   `validate` needs from a file without storing its pixels (no image-sized buffer is written and
 *   read back, and none is allocated per file).
 * Each throws (code ERR_MEDBANK_ADDON) with the reason when the stream is corrupt, short or too
 * long, or a row names an unknown filter.
 */
#include <libdeflate.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "addon.h"
#include "pixel-facts.h"

/* Inflated data is kept for the next file only up to this size; larger buffers are freed after use. */
#define KEEP_SCRATCH (64u << 20)

static inline uint8_t paeth(uint8_t a, uint8_t b, uint8_t c) {
  int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undoes one row's filter from `src` (filter byte, then n bytes) into `row`; `prev` is the row above or NULL. -1 on a bad filter byte. */
static int unfilter_row(const uint8_t *src, const uint8_t *prev, size_t n, size_t bpp, uint8_t *row) {
  const uint8_t filter = *src++;
  switch (filter) {
    case 0:
      memcpy(row, src, n);
      break;
    case 1:
      for (size_t x = 0; x < n; x++) row[x] = (uint8_t)(src[x] + (x >= bpp ? row[x - bpp] : 0));
      break;
    case 2:
      if (prev)
        for (size_t x = 0; x < n; x++) row[x] = (uint8_t)(src[x] + prev[x]);
      else
        memcpy(row, src, n);
      break;
    case 3:
      for (size_t x = 0; x < n; x++) row[x] = (uint8_t)(src[x] + (((x >= bpp ? row[x - bpp] : 0) + (prev ? prev[x] : 0)) >> 1));
      break;
    case 4:
      for (size_t x = 0; x < n; x++) {
        uint8_t a = x >= bpp ? row[x - bpp] : 0, b = prev ? prev[x] : 0, c = prev && x >= bpp ? prev[x - bpp] : 0;
        row[x] = (uint8_t)(src[x] + paeth(a, b, c));
      }
      break;
    default:
      return -1;
  }
  return 0;
}

/* Per-thread buffers (one per Node environment: the main thread and each worker), freed with it. */
typedef struct {
  struct libdeflate_decompressor *decompressor;
  uint8_t *raw;
  size_t raw_cap;
} Scratch;

static void free_scratch(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Scratch *s = data;
  if (s->decompressor) libdeflate_free_decompressor(s->decompressor);
  free(s->raw);
  free(s);
}

static Scratch *scratch_of(napi_env env) {
  Scratch *s = NULL;
  if (napi_get_instance_data(env, (void **)&s) == napi_ok && s) return s;
  s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->decompressor = libdeflate_alloc_decompressor();
  if (!s->decompressor || napi_set_instance_data(env, s, free_scratch, NULL) != napi_ok) {
    free_scratch(env, s, NULL);
    return NULL;
  }
  return s;
}

/* The arguments every decode takes: idat, width, height, channels; NULL or the reason. */
typedef struct {
  const uint8_t *idat;
  size_t idat_len, width, height, channels, row_bytes;
} Stream;

static const char *read_stream(napi_env env, napi_value *argv, Stream *st) {
  void *data;
  if (!typed_array(env, argv[0], napi_uint8_array, &data, &st->idat_len)) return "idat must be a Uint8Array";
  int32_t width, height, channels;
  if (napi_get_value_int32(env, argv[1], &width) != napi_ok || napi_get_value_int32(env, argv[2], &height) != napi_ok ||
      napi_get_value_int32(env, argv[3], &channels) != napi_ok)
    return "width, height and channels must be numbers";
  if (width < 1 || height < 1 || channels < 1 || channels > 4) return "bad width, height or channels";
  st->idat = data;
  st->width = (size_t)width;
  st->height = (size_t)height;
  st->channels = (size_t)channels;
  st->row_bytes = st->width * st->channels;
  if (st->row_bytes > ((size_t)1 << 30) / st->height) return "image is larger than 1 GiB of samples";
  return NULL;
}

/* Inflates the stream into the thread's scratch buffer: exactly height rows of 1 + row_bytes bytes. */
static const char *inflate_stream(Scratch *s, const Stream *st) {
  size_t raw_len = st->height * (st->row_bytes + 1), actual = 0;
  if (raw_len > s->raw_cap) {
    free(s->raw);
    s->raw = malloc(raw_len);
    s->raw_cap = s->raw ? raw_len : 0;
    if (!s->raw) return "out of memory";
  }
  enum libdeflate_result r = libdeflate_zlib_decompress(s->decompressor, st->idat, st->idat_len, s->raw, raw_len, &actual);
  return r == LIBDEFLATE_BAD_DATA             ? "image data is not a valid zlib stream"
         : r == LIBDEFLATE_INSUFFICIENT_SPACE ? "image data inflates to more bytes than the header promises"
         : r != LIBDEFLATE_SUCCESS            ? "image data does not inflate"
         : actual != raw_len                  ? "image data inflates to fewer bytes than the header promises"
                                              : NULL;
}

static void release_large(Scratch *s) {
  if (s->raw_cap <= KEEP_SCRATCH) return;
  free(s->raw);
  s->raw = NULL;
  s->raw_cap = 0;
}

napi_value png_inflate(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) THROW("inflatePng takes 4 arguments");
  Stream st;
  const char *error = read_stream(env, argv, &st);
  if (error) THROW(error);
  Scratch *s = scratch_of(env);
  if (!s) THROW("out of memory");
  error = inflate_stream(s, &st);
  napi_value result;
  uint8_t *out = NULL;
  if (!error && napi_create_buffer(env, st.height * st.row_bytes, (void **)&out, &result) != napi_ok) error = "out of memory";
  for (size_t y = 0; !error && y < st.height; y++) {
    uint8_t *row = out + y * st.row_bytes;
    if (unfilter_row(s->raw + y * (st.row_bytes + 1), y ? row - st.row_bytes : NULL, st.row_bytes, st.channels, row) != 0)
      error = "a row has an unknown filter type";
  }
  release_large(s);
  if (error) THROW(error);
  return result;
}

typedef void (*RowSink)(void *state, const uint8_t *row, size_t y);

/* Inflates and unfilters into two alternating row buffers, handing each finished row to `sink`. */
static const char *decode_rows(Scratch *s, const Stream *st, RowSink sink, void *state) {
  const char *error = inflate_stream(s, st);
  uint8_t *rows = error ? NULL : malloc(2 * st->row_bytes);
  if (!error && !rows) error = "out of memory";
  for (size_t y = 0; !error && y < st->height; y++) {
    uint8_t *row = rows + (y & 1) * st->row_bytes;
    if (unfilter_row(s->raw + y * (st->row_bytes + 1), y ? rows + ((y - 1) & 1) * st->row_bytes : NULL, st->row_bytes, st->channels, row) != 0)
      error = "a row has an unknown filter type";
    else
      sink(state, row, y);
  }
  free(rows);
  release_large(s);
  return error;
}

static void image_sink(void *state, const uint8_t *row, size_t y) { image_cells_row(state, row, y); }
static void mask_sink(void *state, const uint8_t *row, size_t y) { mask_facts_row(state, row, y); }

napi_value png_image_facts(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 7) THROW("pngImageFacts takes 7 arguments");
  Stream st;
  const char *error = read_stream(env, argv, &st);
  if (error) THROW(error);
  double *sums;
  size_t cells;
  int32_t columns, rows;
  if (!typed_array(env, argv[4], napi_float64_array, (void **)&sums, &cells) || napi_get_value_int32(env, argv[5], &columns) != napi_ok ||
      napi_get_value_int32(env, argv[6], &rows) != napi_ok || columns < 1 || rows < 1 || cells != (size_t)columns * (size_t)rows)
    THROW("pngImageFacts: cellSum must be a Float64Array of columns x rows");
  Scratch *s = scratch_of(env);
  ImageCells cellsState;
  if (!s || !image_cells_begin(&cellsState, st.width, st.height, st.channels, sums, (size_t)columns, (size_t)rows)) THROW("out of memory");
  error = decode_rows(s, &st, image_sink, &cellsState);
  image_cells_end(&cellsState);
  if (error) THROW(error);
  napi_value result;
  napi_get_boolean(env, cellsState.two_levels, &result);
  return result;
}

napi_value png_mask_facts(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 6) THROW("pngMaskFacts takes 6 arguments");
  Stream st;
  const char *error = read_stream(env, argv, &st);
  if (error) THROW(error);
  uint8_t *seen;
  int32_t *box;
  size_t seen_len, box_len;
  if (!typed_array(env, argv[4], napi_uint8_array, (void **)&seen, &seen_len) || !typed_array(env, argv[5], napi_int32_array, (void **)&box, &box_len) ||
      seen_len != 256 || box_len != 4)
    THROW("pngMaskFacts: seen must be a Uint8Array(256) and box an Int32Array(4)");
  Scratch *s = scratch_of(env);
  if (!s) THROW("out of memory");
  MaskFacts facts;
  mask_facts_begin(&facts, st.width, st.height, st.channels, seen);
  error = decode_rows(s, &st, mask_sink, &facts);
  if (error) THROW(error);
  mask_facts_end(&facts, box);
  napi_value result;
  napi_create_double(env, facts.foreground, &result);
  return result;
}
