/*
 * MedBank's native addon: the per-sample hot loops that sharp does not cover (see png-encoder.c,
 * png-decoder.c, pixel-facts.c and resample.c for why each one is native). Built by native/build.ts; optional, with
 * JavaScript and sharp fallbacks that give the same pixels.
 */
#include <malloc.h>
#include "addon.h"

int typed_array(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *length) {
  napi_typedarray_type type;
  return napi_get_typedarray_info(env, v, &type, length, data, NULL, NULL) == napi_ok && type == want;
}

NAPI_MODULE_INIT() {
  /*
   * Every sample allocates and frees a dozen 3-13 MB pixel buffers (libvips, V8, this addon). With
   * glibc's defaults each one is a fresh mmap that the kernel zero-fills page by page: about a
   * sixth of a build's CPU time. Serving them from the heap and trimming late reuses the pages
   * (bench: about 10% faster, peak RSS +50 MB, flat in the number of samples). Process-wide, set
   * when the main thread first loads the addon, before the workers start.
   */
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
  napi_property_descriptor props[] = {
      {"encodePng", NULL, png_encode, NULL, NULL, NULL, napi_default, NULL},
      {"pngEncoderVersion", NULL, png_encoder_version, NULL, NULL, NULL, napi_default, NULL},
      {"inflatePng", NULL, png_inflate, NULL, NULL, NULL, napi_default, NULL},
      {"pngImageFacts", NULL, png_image_facts, NULL, NULL, NULL, napi_default, NULL},
      {"pngMaskFacts", NULL, png_mask_facts, NULL, NULL, NULL, napi_default, NULL},
      {"imageCells", NULL, image_cells, NULL, NULL, NULL, napi_default, NULL},
      {"maskFacts", NULL, mask_facts, NULL, NULL, NULL, napi_default, NULL},
      {"resampleHorizontal", NULL, resample_horizontal, NULL, NULL, NULL, napi_default, NULL},
      {"resampleVertical", NULL, resample_vertical, NULL, NULL, NULL, napi_default, NULL},
      {"resampleNearest", NULL, resample_nearest, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
