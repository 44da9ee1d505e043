/* The MedBank addon's functions, registered by addon.c. */
#ifndef MEDBANK_ADDON_H
#define MEDBANK_ADDON_H
#include <node_api.h>

/* Throws an Error with code ERR_MEDBANK_ADDON and returns NULL from the calling napi function. */
#define THROW(msg)                                    \
  do {                                                \
    napi_throw_error(env, "ERR_MEDBANK_ADDON", msg); \
    return NULL;                                      \
  } while (0)

/* Whether `v` is a typed array of kind `want`; if so, its data and element count. */
int typed_array(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *length);

napi_value png_encode(napi_env env, napi_callback_info info);
napi_value png_encoder_version(napi_env env, napi_callback_info info);
napi_value png_inflate(napi_env env, napi_callback_info info);
napi_value png_image_facts(napi_env env, napi_callback_info info);
napi_value png_mask_facts(napi_env env, napi_callback_info info);
napi_value image_cells(napi_env env, napi_callback_info info);
napi_value mask_facts(napi_env env, napi_callback_info info);
napi_value resample_horizontal(napi_env env, napi_callback_info info);
napi_value resample_vertical(napi_env env, napi_callback_info info);
napi_value resample_nearest(napi_env env, napi_callback_info info);

#endif
