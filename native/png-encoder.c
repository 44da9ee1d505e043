/*
 * PNG writer for 8-bit grey or RGB pixels, deflated by the system's libdeflate.
 *
 * Why native code: PNG deflate is over half of MedBank's CPU time per sample (PERFORMANCE.md).
 * No maintained npm package binds libdeflate natively (the `libdeflate` package is WebAssembly and
 * measured slower than sharp's zlib-ng), and sharp offers only "no filter" or libspng's adaptive
 * filter, which picks Paeth on upsampled images where Up compresses far better. This file does the
 * two things sharp cannot: row filtering chosen by a compression trial, and libdeflate's deflate,
 * which needs about 0.6x the CPU of zlib-ng level 3 for smaller output (bench/suites/encoders.ts).
 *
 * encodePng(pixels, width, height, channels, level, filter) -> Promise of a Buffer holding a whole PNG
 *   filter: "none" | "up" | "auto" (Up or per-row minimum-sum, whichever deflates a sample smaller)
 * The work runs on libuv's thread pool, as sharp's does, so one thread can encode several slices
 * of a volume at once.
 */
#include <libdeflate.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "addon.h"

#define MAX_LEVEL 12
/* The trial deflates one band of TRIAL_BAND rows out of every TRIAL_EVERY bands (1/16 of an image). */
#define TRIAL_BAND 32
#define TRIAL_EVERY 16

enum { F_NONE = 0, F_SUB = 1, F_UP = 2, F_AVG = 3, F_PAETH = 4 };
enum { MODE_NONE, MODE_UP, MODE_MINSUM };

/*
 * The per-row filters write row `row` filtered into `out` and return libpng's "minimum sum" cost
 * of the result (its bytes read as signed, summed as magnitudes). `prev` is the row above, or a
 * row of zeros for the first row, as PNG defines. The loops have no branches, so the compiler
 * vectorises them; on x86-64, target_clones adds an AVX2 version picked at load time where the CPU
 * has it.
 * Rows are at most MAX_ROW_BYTES, so a 32-bit cost cannot overflow.
 */
#define MAX_ROW_BYTES (1u << 24)
#if defined(__x86_64__)
#define VECTORISED __attribute__((target_clones("avx2", "default")))
#else
#define VECTORISED
#endif

static inline uint32_t magnitude(uint8_t v) {
  int s = (int8_t)v;
  return (uint32_t)(s < 0 ? -s : s);
}

VECTORISED static uint32_t filter_none(const uint8_t *row, size_t n, uint8_t *out) {
  uint32_t sum = 0;
  for (size_t x = 0; x < n; x++) sum += magnitude(out[x] = row[x]);
  return sum;
}

VECTORISED static uint32_t filter_sub(const uint8_t *row, size_t n, size_t bpp, uint8_t *out) {
  uint32_t sum = 0;
  for (size_t x = 0; x < bpp; x++) sum += magnitude(out[x] = row[x]);
  for (size_t x = bpp; x < n; x++) sum += magnitude(out[x] = (uint8_t)(row[x] - row[x - bpp]));
  return sum;
}

VECTORISED static uint32_t filter_up(const uint8_t *row, const uint8_t *prev, size_t n, uint8_t *out) {
  uint32_t sum = 0;
  for (size_t x = 0; x < n; x++) sum += magnitude(out[x] = (uint8_t)(row[x] - prev[x]));
  return sum;
}

VECTORISED static uint32_t filter_avg(const uint8_t *row, const uint8_t *prev, size_t n, size_t bpp, uint8_t *out) {
  uint32_t sum = 0;
  for (size_t x = 0; x < bpp; x++) sum += magnitude(out[x] = (uint8_t)(row[x] - (prev[x] >> 1)));
  for (size_t x = bpp; x < n; x++) sum += magnitude(out[x] = (uint8_t)(row[x] - ((row[x - bpp] + prev[x]) >> 1)));
  return sum;
}

VECTORISED static uint32_t filter_paeth(const uint8_t *row, const uint8_t *prev, size_t n, size_t bpp, uint8_t *out) {
  uint32_t sum = 0;
  for (size_t x = 0; x < bpp; x++) sum += magnitude(out[x] = (uint8_t)(row[x] - prev[x]));
  for (size_t x = bpp; x < n; x++) {
    /* Paeth's predictor p = a + b - c, with |p - a| = |b - c|, |p - b| = |a - c|, |p - c| = |a + b - 2c|. */
    int16_t a = row[x - bpp], b = prev[x], c = prev[x - bpp];
    int16_t pa = (int16_t)(b - c), pb = (int16_t)(a - c), pc = (int16_t)(pa + pb);
    pa = (int16_t)(pa < 0 ? -pa : pa);
    pb = (int16_t)(pb < 0 ? -pb : pb);
    pc = (int16_t)(pc < 0 ? -pc : pc);
    int16_t predictor = (pa <= pb) & (pa <= pc) ? a : pb <= pc ? b : c;
    sum += magnitude(out[x] = (uint8_t)(row[x] - predictor));
  }
  return sum;
}

/*
 * Writes filter byte + filtered row for row `y` into `out` (n + 1 bytes). MODE_MINSUM is libpng's
 * heuristic: the filter with the smallest cost, ties to the lower filter number. `scratch` holds
 * 4n bytes for the candidate rows and `zeros` n zero bytes.
 */
static void encode_row(int mode, const uint8_t *pixels, size_t y, size_t n, size_t bpp, uint8_t *out, uint8_t *scratch, const uint8_t *zeros) {
  const uint8_t *row = pixels + y * n;
  const uint8_t *prev = y ? row - n : zeros;
  if (mode == MODE_NONE) {
    out[0] = F_NONE;
    memcpy(out + 1, row, n);
    return;
  }
  if (mode == MODE_UP) {
    out[0] = F_UP;
    filter_up(row, prev, n, out + 1);
    return;
  }
  uint8_t *candidate[5] = {out + 1, scratch, scratch + n, scratch + 2 * n, scratch + 3 * n};
  uint32_t cost[5] = {
    filter_none(row, n, candidate[F_NONE]),
    filter_sub(row, n, bpp, candidate[F_SUB]),
    filter_up(row, prev, n, candidate[F_UP]),
    filter_avg(row, prev, n, bpp, candidate[F_AVG]),
    filter_paeth(row, prev, n, bpp, candidate[F_PAETH]),
  };
  int best = F_NONE;
  for (int f = F_SUB; f <= F_PAETH; f++)
    if (cost[f] < cost[best]) best = f;
  out[0] = (uint8_t)best;
  if (best != F_NONE) memcpy(out + 1, candidate[best], n);
}

static void filter_rows(int mode, const uint8_t *pixels, size_t height, size_t n, size_t bpp, uint8_t *out, uint8_t *scratch, const uint8_t *zeros, int sample) {
  size_t w = 0;
  for (size_t y = 0; y < height; y++) {
    if (sample && (y / TRIAL_BAND) % TRIAL_EVERY != 0) continue;
    encode_row(mode, pixels, y, n, bpp, out + w * (n + 1), scratch, zeros);
    w++;
  }
}

/* Up or minimum-sum for this image, by deflating a sample of row bands filtered each way. */
static int choose_mode(struct libdeflate_compressor *c, const uint8_t *pixels, size_t height, size_t n, size_t bpp, uint8_t *work, uint8_t *zbuf, size_t zcap, uint8_t *scratch, const uint8_t *zeros) {
  if (height < 2) return MODE_MINSUM;
  size_t rows = 0;
  for (size_t y = 0; y < height; y++) rows += (y / TRIAL_BAND) % TRIAL_EVERY == 0;
  size_t bytes = rows * (n + 1), size[2];
  int modes[2] = {MODE_UP, MODE_MINSUM};
  for (int i = 0; i < 2; i++) {
    filter_rows(modes[i], pixels, height, n, bpp, work, scratch, zeros, 1);
    size[i] = libdeflate_zlib_compress(c, work, bytes, zbuf, zcap);
  }
  return size[0] <= size[1] ? MODE_UP : MODE_MINSUM;
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* Chunk at `p`: length, type, `len` data bytes already in place after the type, CRC. */
static size_t finish_chunk(uint8_t *p, const char *type, size_t len) {
  put32(p, (uint32_t)len);
  memcpy(p + 4, type, 4);
  put32(p + 8 + len, libdeflate_crc32(0, p + 4, len + 4));
  return len + 12;
}

/* One encode request: read on the JS thread, run on a libuv pool thread, resolved back on the JS thread. */
typedef struct {
  napi_ref pixels_ref; /* keeps the caller's pixels alive while the pool thread reads them */
  const uint8_t *pixels;
  size_t width, height, channels;
  int level, mode;
  uint8_t *png;
  size_t png_len;
  const char *error;
  napi_deferred deferred;
  napi_async_work work;
} Request;

/* Filters and deflates into req->png; runs off the JS thread and touches no JS value. */
static void run_encode(napi_env env, void *data) {
  (void)env;
  Request *req = data;
  size_t n = req->width * req->channels, h = req->height;
  struct libdeflate_compressor *c = libdeflate_alloc_compressor(req->level);
  size_t filtered_len = h * (n + 1);
  size_t zcap = c ? libdeflate_zlib_compress_bound(c, filtered_len) : 0;
  const size_t head = 8 + 25 + 8; /* signature, IHDR chunk, IDAT length and type */
  /* After the filtered rows: 4 candidate rows for the per-row heuristic, then a row of zeros. */
  uint8_t *filtered = malloc(filtered_len + 4 * n), *zeros = calloc(n, 1), *png = malloc(head + zcap + 4 + 12);
  if (!c || !filtered || !zeros || !png) {
    req->error = "out of memory";
    goto done;
  }
  uint8_t *scratch = filtered + filtered_len;
  int mode = req->mode;
  if (mode < 0) mode = choose_mode(c, req->pixels, h, n, req->channels, filtered, png + head, zcap, scratch, zeros);
  filter_rows(mode, req->pixels, h, n, req->channels, filtered, scratch, zeros, 0);

  static const uint8_t signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};
  memcpy(png, signature, 8);
  uint8_t *ihdr = png + 8;
  put32(ihdr + 8, (uint32_t)req->width);
  put32(ihdr + 12, (uint32_t)req->height);
  ihdr[16] = 8;                            /* bit depth */
  ihdr[17] = req->channels == 3 ? 2 : 0;   /* colour type: truecolour or greyscale */
  ihdr[18] = ihdr[19] = ihdr[20] = 0;      /* deflate, adaptive filtering, no interlace */
  size_t at = 8 + finish_chunk(ihdr, "IHDR", 13);
  size_t zlen = libdeflate_zlib_compress(c, filtered, filtered_len, png + at + 8, zcap);
  if (zlen == 0) {
    req->error = "deflate failed";
    goto done;
  }
  at += finish_chunk(png + at, "IDAT", zlen);
  at += finish_chunk(png + at, "IEND", 0);
  req->png = png;
  req->png_len = at;
  png = NULL;
done:
  free(png);
  free(zeros);
  free(filtered);
  if (c) libdeflate_free_compressor(c);
}

static void free_png(napi_env env, void *png, void *hint) {
  (void)env;
  (void)hint;
  free(png);
}

static void settle(napi_env env, napi_status status, void *data) {
  Request *req = data;
  napi_value result;
  /* The Buffer takes the PNG's memory as it is: no copy of a megabyte-sized file. */
  if (status == napi_ok && !req->error && napi_create_external_buffer(env, req->png_len, req->png, free_png, NULL, &result) == napi_ok) {
    req->png = NULL;
    napi_resolve_deferred(env, req->deferred, result);
  } else {
    napi_value code, message;
    napi_create_string_utf8(env, "ERR_MEDBANK_ADDON", NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, req->error ? req->error : "encode was cancelled", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, code, message, &result);
    napi_reject_deferred(env, req->deferred, result);
  }
  napi_delete_reference(env, req->pixels_ref);
  napi_delete_async_work(env, req->work);
  free(req->png);
  free(req);
}

/* encodePng(pixels, width, height, channels, level, filter) -> Promise<Buffer>; bad arguments throw. */
napi_value png_encode(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 6) THROW("encodePng takes 6 arguments");
  size_t length;
  void *data;
  if (!typed_array(env, argv[0], napi_uint8_array, &data, &length)) THROW("pixels must be a Uint8Array");
  int32_t width, height, channels, level;
  if (napi_get_value_int32(env, argv[1], &width) != napi_ok || napi_get_value_int32(env, argv[2], &height) != napi_ok ||
      napi_get_value_int32(env, argv[3], &channels) != napi_ok || napi_get_value_int32(env, argv[4], &level) != napi_ok)
    THROW("width, height, channels and level must be numbers");
  char filter[8];
  size_t filter_len;
  if (napi_get_value_string_utf8(env, argv[5], filter, sizeof filter, &filter_len) != napi_ok) THROW("filter must be a string");
  int mode = !strcmp(filter, "none") ? MODE_NONE : !strcmp(filter, "up") ? MODE_UP : !strcmp(filter, "auto") ? -1 : -2;
  if (mode == -2) THROW("filter must be none, up or auto");
  if (width < 1 || height < 1 || (channels != 1 && channels != 3) || level < 0 || level > MAX_LEVEL)
    THROW("bad width, height, channels or level");
  if (length != (size_t)width * (size_t)height * (size_t)channels) THROW("pixel count does not match width x height x channels");
  if ((size_t)width * (size_t)channels > MAX_ROW_BYTES) THROW("rows longer than 16 MiB are not supported");

  Request *req = calloc(1, sizeof *req);
  if (!req) THROW("out of memory");
  *req = (Request){.pixels = data, .width = (size_t)width, .height = (size_t)height, .channels = (size_t)channels, .level = level, .mode = mode};
  napi_value promise, name;
  if (napi_create_reference(env, argv[0], 1, &req->pixels_ref) != napi_ok || napi_create_promise(env, &req->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "medbank:png-encode", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, run_encode, settle, req, &req->work) != napi_ok || napi_queue_async_work(env, req->work) != napi_ok) {
    free(req);
    THROW("cannot queue the encode");
  }
  return promise;
}

napi_value png_encoder_version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  napi_create_string_utf8(env, "libdeflate " LIBDEFLATE_VERSION_STRING, NAPI_AUTO_LENGTH, &v);
  return v;
}
