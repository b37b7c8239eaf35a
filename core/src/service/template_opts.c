/*
 * template_opts.c — the request contract's rule on a template's
 * layout_settings: a template chooses presentation, never a path, a cap
 * above the site's or a safety switch (template_opts.h).
 */
#include "template_opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Does ferry.conf's requests.template_options list "PLUGIN.KEY"? */
static int site_allows(const ferry_site *site, const char *plugin, const char *key)
{
    const config_setting_t *list = config_lookup(&site->cfg, "requests.template_options");
    char want[256];
    snprintf(want, sizeof want, "%s.%s", plugin, key);
    for (int i = 0; list && i < config_setting_length(list); i++) {
        const char *s = config_setting_get_string_elem(list, i);
        if (s && strcmp(s, want) == 0)
            return 1;
    }
    return 0;
}

/* The value the site gives option `o`: the pipeline's format group, else
 * ferry.conf's plugins.PLUGIN group, else the plugin's default. */
static int site_value(const ferry_site *site, const ferry_pipeline *p, const char *plugin,
                      const ferry_option *o, double *out)
{
    char path[256];
    snprintf(path, sizeof path, "format.%s", o->name);
    const config_setting_t *s = config_lookup(&p->cfg, path);
    if (!s) {
        snprintf(path, sizeof path, "plugins.%s.%s", plugin, o->name);
        s = config_lookup(&site->cfg, path);
    }
    if (s) {
        int t = config_setting_type(s);
        if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT) {
            *out = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(s)
                                          : (double)config_setting_get_int64(s);
            return 1;
        }
    }
    if (!o->default_value)
        return 0;
    char *end = NULL;
    *out = strtod(o->default_value, &end);
    return end && !*end;
}

int ferry_template_option_check(const ferry_site *site, const ferry_pipeline *p, const char *plugin,
                                const ferry_option *o, const char *tpl_id, const char *text,
                                ferry_err *err)
{
    if (o->flags & FERRY_OPT_TEMPLATE)
        return 0;
    if (!site_allows(site, plugin, o->name))
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "template %s: layout_settings.%s: a template may not set %s's "
                             "option \"%s\" (ferry.conf requests.template_options can allow "
                             "\"%s.%s\")",
                             tpl_id, o->name, plugin, o->name, plugin, o->name);
    if (o->type != FERRY_OPT_INT && o->type != FERRY_OPT_DOUBLE)
        return 0;
    double cap, want;
    char *end = NULL;
    want = strtod(text, &end);
    if (!end || *end || !site_value(site, p, plugin, o, &cap) || want <= cap)
        return 0; /* not a number: the option's own check refuses it */
    return ferry_err_set(err, FERRY_ERR_CONFIG,
                         "template %s: layout_settings.%s = %s is above the site's %g: refused",
                         tpl_id, o->name, text, cap);
}
