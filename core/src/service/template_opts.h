/*
 * template_opts.h — which format options a template's layout_settings may
 * set (docs/operations.md, "What templates may set"): those the plugin marks
 * FERRY_OPT_TEMPLATE, and those ferry.conf's requests.template_options
 * names ("format-pdf.row_cap"); a numeric option of the latter kind is a
 * cap, refused above the site's value.
 */
#ifndef FERRY_SERVICE_TEMPLATE_OPTS_H
#define FERRY_SERVICE_TEMPLATE_OPTS_H

#include "error.h"
#include "ferry/plugin.h"
#include "pipeline.h"
#include "site.h"

/* 0 when template `tpl_id` may set option `o` of `plugin` to `text` in
 * pipeline `p` (before the template's settings are applied); else an error
 * naming the key and the template. */
int ferry_template_option_check(const ferry_site *site, const ferry_pipeline *p, const char *plugin,
                                const ferry_option *o, const char *tpl_id, const char *text,
                                ferry_err *err);

#endif
