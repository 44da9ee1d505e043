/*
 * The pixel half of a PNG decode for checks (src/io/png-decode.ts walks the chunks and CRCs):
 * inflate the concatenated IDAT stream with libdeflate and undo the row filters, for 8-bit
 * samples without interlacing. node:zlib plus a TypeScript unfilter spend most of `validate`'s
 * time on a 1024² RGB image; here the same takes about a third (README, "Checking a tree").
 *
 * inflatePng(idat, width, height, channels) -> Buffer of width*height*channels samples
 * Throws (code ERR_MEDBANK_ADDON) with the reason when the stream is corrupt, short or too long,
 * or a row names an unknown filter.
 */
#include <libdeflate.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "addon.h"

static inline uint8_t paeth(uint8_t a, uint8_t b, uint8_t c) {
  int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undoes row filters from `raw` (height rows of 1 + n bytes) into `out` (height rows of n); -1 on a bad filter byte. */
static int unfilter(const uint8_t *raw, size_t height, size_t n, size_t bpp, uint8_t *out) {
  for (size_t y = 0; y < height; y++) {
    const uint8_t *src = raw + y * (n + 1) + 1;
    uint8_t *row = out + y * n;
    const uint8_t *prev = y ? row - n : NULL;
    switch (src[-1]) {
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
  }
  return 0;
}

napi_value png_inflate(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) THROW("inflatePng takes 4 arguments");
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array)
    THROW("idat must be a Uint8Array");
  int32_t width, height, channels;
  if (napi_get_value_int32(env, argv[1], &width) != napi_ok || napi_get_value_int32(env, argv[2], &height) != napi_ok ||
      napi_get_value_int32(env, argv[3], &channels) != napi_ok)
    THROW("width, height and channels must be numbers");
  if (width < 1 || height < 1 || channels < 1 || channels > 4) THROW("bad width, height or channels");
  size_t n = (size_t)width * (size_t)channels, h = (size_t)height;
  if (n > ((size_t)1 << 30) / h) THROW("image is larger than 1 GiB of samples");
  size_t raw_len = h * (n + 1), actual = 0;
  uint8_t *raw = malloc(raw_len);
  struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
  if (!raw || !d) {
    free(raw);
    if (d) libdeflate_free_decompressor(d);
    THROW("out of memory");
  }
  enum libdeflate_result r = libdeflate_zlib_decompress(d, data, length, raw, raw_len, &actual);
  libdeflate_free_decompressor(d);
  const char *error = r == LIBDEFLATE_BAD_DATA           ? "image data is not a valid zlib stream"
                      : r == LIBDEFLATE_INSUFFICIENT_SPACE ? "image data inflates to more bytes than the header promises"
                      : r != LIBDEFLATE_SUCCESS           ? "image data does not inflate"
                      : actual != raw_len                 ? "image data inflates to fewer bytes than the header promises"
                                                          : NULL;
  napi_value result;
  void *out = NULL;
  if (!error && napi_create_buffer(env, h * n, &out, &result) != napi_ok) error = "out of memory";
  if (!error && unfilter(raw, h, n, (size_t)channels, out) != 0) error = "a row has an unknown filter type";
  free(raw);
  if (error) THROW(error);
  return result;
}
