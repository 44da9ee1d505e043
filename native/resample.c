/*
 * The inner loops of src/io/image/pillow-bilinear.ts and resize.ts's nearest neighbour, for 8-bit
 * interleaved samples. The coefficients and index tables are computed in TypeScript (one
 * definition of Pillow's rules); these loops only apply them, with the same fixed-point sums, so
 * the output is identical to the TypeScript fallback bit for bit (test/resize.test.ts).
 *
 * Why native code: an upsampled 1024x1024 RGB image is 4.6 million weighted sums; V8 takes about
 * 20 ms for them and 5 ms for a mask's nearest-neighbour gather, a tenth of a sample's CPU time.
 * libvips would do it natively but is half a pixel off Pillow when upsampling (PERFORMANCE.md).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "addon.h"

#define PRECISION_BITS 22
#define HALF (1 << (PRECISION_BITS - 1))

/*
 * Sums are 32-bit, as in Pillow: bilinear weights are not negative and add up to about 2^22, so a
 * sum of 8-bit samples stays below 255 * 2^22 + 2^21 < 2^31.
 */
static inline uint8_t clip8(int32_t sum) {
  int32_t v = sum >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/* The horizontal pass for RGB, the common case, with the three bands summed side by side. */
static void horizontal_rgb(const uint8_t *src, int64_t in_w, int64_t in_h, int64_t out_w, const int32_t *start, const int32_t *taps,
                           const int32_t *weights, int64_t size, uint8_t *out) {
  for (int64_t y = 0; y < in_h; y++) {
    const uint8_t *row = src + y * in_w * 3;
    uint8_t *o = out + y * out_w * 3;
    for (int64_t x = 0; x < out_w; x++, o += 3) {
      const uint8_t *p = row + start[x] * 3;
      const int32_t *w = weights + x * size;
      int32_t n = taps[x], r = HALF, g = HALF, b = HALF;
      for (int32_t k = 0; k < n; k++, p += 3) {
        r += p[0] * w[k];
        g += p[1] * w[k];
        b += p[2] * w[k];
      }
      o[0] = clip8(r);
      o[1] = clip8(g);
      o[2] = clip8(b);
    }
  }
}

/* `count` integer arguments, each from 1 to 2^20 (products of three fit in 64 bits). */
static int ints(napi_env env, napi_value *argv, int count, int64_t *out) {
  for (int i = 0; i < count; i++) {
    if (napi_get_value_int64(env, argv[i], &out[i]) != napi_ok || out[i] < 1 || out[i] > (1 << 20)) return 0;
  }
  return 1;
}

/* Every output's taps must lie inside the input: the tables come from JS, so check them. */
static int taps_fit(const int32_t *start, const int32_t *taps, int64_t outs, int64_t size, int64_t in) {
  for (int64_t i = 0; i < outs; i++) {
    if (start[i] < 0 || taps[i] < 0 || taps[i] > size || (int64_t)start[i] + taps[i] > in) return 0;
  }
  return 1;
}

/* Reads (src, a, b, c, start, taps, weights, size) shared by both passes; a, b, c are dimensions. */
typedef struct {
  const uint8_t *src;
  size_t src_len;
  int64_t dims[3];
  const int32_t *start, *taps, *weights;
  size_t start_len, taps_len, weights_len;
  int64_t size;
} PassArgs;

static const char *read_pass(napi_env env, napi_callback_info info, PassArgs *a) {
  size_t argc = 8;
  napi_value argv[8];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 8) return "a resample pass takes 8 arguments";
  if (!typed_array(env, argv[0], napi_uint8_array, (void **)&a->src, &a->src_len)) return "samples must be a Uint8Array";
  if (!ints(env, argv + 1, 3, a->dims) || !ints(env, argv + 7, 1, &a->size)) return "sizes must be integers from 1 to 2^20";
  if (!typed_array(env, argv[4], napi_int32_array, (void **)&a->start, &a->start_len) ||
      !typed_array(env, argv[5], napi_int32_array, (void **)&a->taps, &a->taps_len) ||
      !typed_array(env, argv[6], napi_int32_array, (void **)&a->weights, &a->weights_len))
    return "coefficient tables must be Int32Arrays";
  return NULL;
}

/* resampleHorizontal(src, inW, inH, channels, start, taps, weights, size) -> Buffer of outW x inH x channels, outW = start.length. */
napi_value resample_horizontal(napi_env env, napi_callback_info info) {
  PassArgs a;
  const char *err = read_pass(env, info, &a);
  if (err) THROW(err);
  int64_t in_w = a.dims[0], in_h = a.dims[1], ch = a.dims[2], out_w = (int64_t)a.start_len;
  if ((size_t)(in_w * in_h * ch) != a.src_len) THROW("sample count does not match width x height x channels");
  if (a.taps_len != a.start_len || (int64_t)a.weights_len != out_w * a.size || !taps_fit(a.start, a.taps, out_w, a.size, in_w))
    THROW("coefficient tables do not fit the image");
  napi_value result;
  uint8_t *out;
  if (napi_create_buffer(env, (size_t)(out_w * in_h * ch), (void **)&out, &result) != napi_ok) THROW("cannot allocate the result");
  if (ch == 3)
    horizontal_rgb(a.src, in_w, in_h, out_w, a.start, a.taps, a.weights, a.size, out);
  else
    for (int64_t y = 0; y < in_h; y++) {
      const uint8_t *row = a.src + y * in_w * ch;
      uint8_t *o = out + y * out_w * ch;
      for (int64_t x = 0; x < out_w; x++) {
        const uint8_t *first = row + a.start[x] * ch;
        const int32_t *w = a.weights + x * a.size;
        int32_t n = a.taps[x];
        for (int64_t c = 0; c < ch; c++) {
          int32_t sum = HALF;
          for (int32_t k = 0; k < n; k++) sum += first[k * ch + c] * w[k];
          *o++ = clip8(sum);
        }
      }
    }
  return result;
}

/* resampleVertical(src, stride, inH, 1, start, taps, weights, size) -> Buffer of outH x stride. */
napi_value resample_vertical(napi_env env, napi_callback_info info) {
  PassArgs a;
  const char *err = read_pass(env, info, &a);
  if (err) THROW(err);
  int64_t stride = a.dims[0], in_h = a.dims[1], out_h = (int64_t)a.start_len;
  if ((size_t)(stride * in_h) != a.src_len) THROW("sample count does not match stride x height");
  if (a.taps_len != a.start_len || (int64_t)a.weights_len != out_h * a.size || !taps_fit(a.start, a.taps, out_h, a.size, in_h))
    THROW("coefficient tables do not fit the image");
  napi_value result;
  uint8_t *out;
  int32_t *sums = malloc((size_t)stride * sizeof *sums);
  if (!sums) THROW("out of memory");
  if (napi_create_buffer(env, (size_t)(out_h * stride), (void **)&out, &result) != napi_ok) {
    free(sums);
    THROW("cannot allocate the result");
  }
  for (int64_t y = 0; y < out_h; y++) {
    const uint8_t *first = a.src + a.start[y] * stride;
    const int32_t *w = a.weights + y * a.size;
    int32_t n = a.taps[y];
    uint8_t *o = out + y * stride;
    if (n == 2) {
      /* Upsampling's case, written so the compiler vectorises it. */
      const uint8_t *p0 = first, *p1 = first + stride;
      int32_t w0 = w[0], w1 = w[1];
      for (int64_t i = 0; i < stride; i++) o[i] = clip8(HALF + p0[i] * w0 + p1[i] * w1);
      continue;
    }
    /* Downsampling: one input row at a time into a row of sums, which vectorises too. */
    for (int64_t i = 0; i < stride; i++) sums[i] = HALF;
    for (int32_t k = 0; k < n; k++) {
      const uint8_t *p = first + k * stride;
      int32_t wk = w[k];
      for (int64_t i = 0; i < stride; i++) sums[i] += p[i] * wk;
    }
    for (int64_t i = 0; i < stride; i++) o[i] = clip8(sums[i]);
  }
  free(sums);
  return result;
}

/* resampleNearest(src, inW, inH, xs, ys) -> Buffer of xs.length x ys.length, one byte per pixel. */
napi_value resample_nearest(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 5) THROW("resampleNearest takes 5 arguments");
  const uint8_t *src;
  const int32_t *xs, *ys;
  size_t src_len, out_w, out_h;
  int64_t dims[2];
  if (!typed_array(env, argv[0], napi_uint8_array, (void **)&src, &src_len)) THROW("samples must be a Uint8Array");
  if (!ints(env, argv + 1, 2, dims)) THROW("sizes must be integers from 1 to 2^20");
  if (!typed_array(env, argv[3], napi_int32_array, (void **)&xs, &out_w) || !typed_array(env, argv[4], napi_int32_array, (void **)&ys, &out_h))
    THROW("index tables must be Int32Arrays");
  if ((size_t)(dims[0] * dims[1]) != src_len) THROW("sample count does not match width x height");
  for (size_t i = 0; i < out_w; i++)
    if (xs[i] < 0 || xs[i] >= dims[0]) THROW("column index outside the image");
  for (size_t i = 0; i < out_h; i++)
    if (ys[i] < 0 || ys[i] >= dims[1]) THROW("row index outside the image");
  napi_value result;
  uint8_t *out;
  if (napi_create_buffer(env, out_w * out_h, (void **)&out, &result) != napi_ok) THROW("cannot allocate the result");
  for (size_t y = 0; y < out_h; y++) {
    uint8_t *o = out + y * out_w;
    if (y > 0 && ys[y] == ys[y - 1]) {
      memcpy(o, o - out_w, out_w);
      continue;
    }
    const uint8_t *row = src + (size_t)ys[y] * (size_t)dims[0];
    for (size_t x = 0; x < out_w; x++) o[x] = row[xs[x]];
  }
  return result;
}
