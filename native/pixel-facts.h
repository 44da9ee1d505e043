/*
 * Row-by-row accumulators for the per-pixel facts of pixel-facts.c, shared with png-decoder.c,
 * which feeds them each row as it unfilters it (no decoded image is ever stored).
 */
#ifndef MEDBANK_PIXEL_FACTS_H
#define MEDBANK_PIXEL_FACTS_H
#include <stddef.h>
#include <stdint.h>

/* Luma sums of an image over a columns x rows grid, and whether it looks like a mask. */
typedef struct {
  size_t width, height, channels, columns, rows;
  size_t *bounds; /* columns + 1 entries: cell c spans x from bounds[c] to bounds[c + 1] - 1 */
  double *cell_sum;
  uint32_t *column_sum; /* per sample, summed down the rows of the current band of cells */
  size_t band, band_rows;
  int two_levels, level_a, level_b;
} ImageCells;

/* Returns 0 when out of memory. */
int image_cells_begin(ImageCells *s, size_t width, size_t height, size_t channels, double *cell_sum, size_t columns, size_t rows);
/* Rows come in order, y = 0 to height - 1. */
void image_cells_row(ImageCells *s, const uint8_t *row, size_t y);
/* Adds the last band to cell_sum and frees what begin allocated. */
void image_cells_end(ImageCells *s);

/* A mask's first-channel value set, foreground count and bounding box. */
typedef struct {
  size_t width, height, channels;
  uint8_t *seen; /* 256 flags */
  double foreground;
  int64_t x0, y0, x1, y1;
} MaskFacts;

void mask_facts_begin(MaskFacts *s, size_t width, size_t height, size_t channels, uint8_t *seen);
void mask_facts_row(MaskFacts *s, const uint8_t *row, size_t y);
/* Writes the box ([w, h, -1, -1] when nothing is set). */
void mask_facts_end(MaskFacts *s, int32_t *box);

#endif
