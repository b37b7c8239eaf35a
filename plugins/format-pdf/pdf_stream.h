/*
 * pdf_stream.h — the places where format-pdf reaches into libharu's
 * internal structures (hpdf_doc.h, hpdf_pages.h, hpdf_objects.h,
 * hpdf_streams.h: libhpdf-dev 2.3 installs them, and hpdf.h includes them
 * unless HPDF_SHARED is defined): the document saved through a writer of
 * the plugin's own, so that a failed write's errno is known (libharu's
 * file writer keeps only "file I/O error"), and a page's content stream
 * deflated as soon as the page is done, so that memory holds compressed
 * pages rather than every page whole until the save. See
 * docs/architecture.md (the PDF section).
 */
#ifndef FERRY_PDF_STREAM_H
#define FERRY_PDF_STREAM_H

#include <hpdf.h>
#include <zlib.h>

/* A deflate state and output buffer reused from page to page. */
typedef struct pdf_deflate {
    z_stream z;
    int live;           /* deflateInit done */
    unsigned char *out; /* malloc */
    size_t len, cap;
} pdf_deflate;

/*
 * Deflates everything drawn on the page so far, followed by
 * more[0..more_len) (operators not yet in its stream), into a compact
 * memory stream that replaces the page's content stream, marked /FlateDecode and
 * written as it is at the save (libharu's own filter is switched off for
 * it); the new stream is one block of just its size (libharu's blocks are
 * 4 KiB). Afterwards nothing may be drawn on the page but in a new content
 * stream (pdf_page_add_stream). A page whose stream is not to be
 * compressed, is empty or is done already gets `more` as it is. Returns 0
 * or -1 (memory, zlib).
 */
int pdf_page_deflate(pdf_deflate *d, HPDF_Page page, const void *more, size_t more_len);

/* Adds a content stream to the page (HPDF_Page_New_Content_Stream: the
 * page's streams are one in the PDF's eyes, so the graphics state carries
 * over) whose memory comes in blocks of `block` bytes; after
 * pdf_page_deflate it is not compressed (it inherits the switched-off
 * filter). Returns 0 or -1. */
int pdf_page_add_stream(HPDF_Page page, size_t block);
void pdf_deflate_end(pdf_deflate *d);

/*
 * Gives the page the document's one resources dictionary, *shared (made
 * on the first call: an indirect object with a font dictionary and the
 * ProcSet libharu gives every page), in place of the page's own, and has
 * libharu name the page's fonts there: fonts are the same on every page,
 * and a page's own resources cost some KiB of libharu's objects (a
 * 128-byte buffer in every name and dictionary key). Returns 0 or -1.
 */
int pdf_page_share_resources(HPDF_Doc pdf, HPDF_Page page, HPDF_Dict *shared);

/* Writes the document to path (created or truncated). Returns 0, or -1
 * with *sys the errno of the failed open, write or close, or 0 when
 * libharu failed (its error handler has the code). */
int pdf_save(HPDF_Doc pdf, const char *path, int *sys);

#endif
