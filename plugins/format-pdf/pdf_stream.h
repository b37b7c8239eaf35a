/*
 * pdf_stream.h — where format-pdf reaches into libharu's internal
 * structures (hpdf_doc.h, hpdf_streams.h: libhpdf-dev 2.3 installs them,
 * and hpdf.h includes them unless HPDF_SHARED is defined): the document
 * saved through a writer of the plugin's own, so that a failed write's
 * errno is known (libharu's file writer keeps only "file I/O error", and
 * errno is long overwritten when HPDF_SaveToFile returns).
 */
#ifndef FERRY_PDF_STREAM_H
#define FERRY_PDF_STREAM_H

#include <hpdf.h>

/* Writes the document to path (created or truncated). Returns 0, or -1
 * with *sys the errno of the failed open, write or close, or 0 when
 * libharu failed (its error handler has the code). */
int pdf_save(HPDF_Doc pdf, const char *path, int *sys);

#endif
