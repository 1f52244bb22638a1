/* flame_svg.c - an interactive flame graph as one self-contained SVG document: what
 * flamegraph.pl's output offers (frames sized by value, a tooltip per frame, click to zoom,
 * Search and Reset Zoom), written from the stacks (flame.h) with a small inline script. The
 * outermost frame is at the bottom; siblings are in name order, as flamegraph.pl sorts them. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "report.h"
#include "tools/region/model_tree.h"

#define WIDTH 1200.0
#define PAD 10.0
#define FRAME_H 16
#define TOP 60	   /* room for the title and the buttons */
#define BOTTOM 30  /* room for the details line */
#define MIN_PX 0.1 /* narrower frames are not drawn (flamegraph.pl's --minwidth) */

struct fnode {
	size_t parent; /* SIZE_MAX for the virtual root */
	const char *name, *module;
	uint64_t total, self, calls;
	size_t depth;
	double x; /* in value units from the left edge */
};

struct merge {
	struct fnode *v;
	size_t n, cap;
	size_t *index; /* (parent, name, module) -> node, open addressing */
	size_t icap;
};

static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static int same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int grow_index(struct merge *m);

/* The child of `parent` named (name, module): found or added. SIZE_MAX on no memory. */
static size_t child_of(struct merge *m, size_t parent, const char *name, const char *module)
{
	if ((m->n + 1) * 2 > m->icap && grow_index(m) < 0)
		return SIZE_MAX;
	uint64_t h = hash_str(hash_str(0xcbf29ce484222325ull ^ parent, name), module);
	size_t k = (size_t)h & (m->icap - 1);
	for (; m->index[k] != SIZE_MAX; k = (k + 1) & (m->icap - 1)) {
		struct fnode *x = &m->v[m->index[k]];
		if (x->parent == parent && same(x->name, name) && same(x->module, module))
			return m->index[k];
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		struct fnode *v = realloc(m->v, cap * sizeof(*v));
		if (!v)
			return SIZE_MAX;
		m->v = v;
		m->cap = cap;
	}
	struct fnode *x = &m->v[m->n];
	memset(x, 0, sizeof(*x));
	x->parent = parent;
	x->name = name ? name : "?";
	x->module = module;
	x->depth = parent == SIZE_MAX ? 0 : m->v[parent].depth + 1;
	m->index[k] = m->n;
	return m->n++;
}

static int grow_index(struct merge *m)
{
	size_t cap = m->icap ? m->icap * 2 : 1024;
	size_t *index = malloc(cap * sizeof(*index));
	if (!index)
		return -ENOMEM;
	for (size_t i = 0; i < cap; i++)
		index[i] = SIZE_MAX;
	for (size_t i = 0; i < m->n; i++) {
		struct fnode *x = &m->v[i];
		uint64_t h = hash_str(hash_str(0xcbf29ce484222325ull ^ x->parent, x->name),
				      x->module);
		size_t k = (size_t)h & (cap - 1);
		while (index[k] != SIZE_MAX)
			k = (k + 1) & (cap - 1);
		index[k] = i;
	}
	free(m->index);
	m->index = index;
	m->icap = cap;
	return 0;
}

static const struct fnode *sort_nodes;

static int by_name(const void *a, const void *b)
{
	const struct fnode *x = &sort_nodes[*(const size_t *)a],
			   *y = &sort_nodes[*(const size_t *)b];
	int c = strcmp(x->name, y->name);
	if (!c)
		c = strcmp(x->module ? x->module : "", y->module ? y->module : "");
	return c ? c : (*(const size_t *)a < *(const size_t *)b ? -1 : 1);
}

static size_t merged_parent(const void *ctx, size_t i)
{
	const struct merge *m = ctx;
	return m->v[i].parent == SIZE_MAX ? m->n : m->v[i].parent;
}

/* x of every node: children of a node side by side in name order from its left edge. */
static int layout(struct merge *m)
{
	size_t n = m->n, *first, *kids;
	if (hp_children_index(n, merged_parent, m, &first, &kids) < 0)
		return -ENOMEM;
	sort_nodes = m->v;
	for (size_t q = 0; q <= n; q++)
		if (first[q + 1] - first[q] > 1)
			qsort(kids + first[q], first[q + 1] - first[q], sizeof(*kids), by_name);
	/* The roots (children of the virtual node n) first; then, since parents are created
	 * before their children, one pass in index order places every child after its parent. */
	for (size_t step = 0; step <= n; step++) {
		size_t q = step ? step - 1 : n;
		double x = q < n ? m->v[q].x : 0;
		for (size_t j = first[q]; j < first[q + 1]; j++) {
			m->v[kids[j]].x = x;
			x += (double)m->v[kids[j]].total;
		}
	}
	free(first);
	free(kids);
	return 0;
}

static void xml(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				putc(*s, f);
		}
	}
}

static void amount(char *buf, size_t size, uint64_t v, const struct hp_flame_opts *o)
{
	if (!o->unit || !strcmp(o->unit, "ns"))
		hp_fmt_ns(buf, size, (double)v);
	else
		snprintf(buf, size, "%" PRIu64 " %s", v, o->unit);
}

/* flamegraph.pl's "hot" palette, seeded by the name so a function keeps its colour. */
static void colour(const char *name, int *r, int *g, int *b)
{
	uint64_t h = hash_str(0xcbf29ce484222325ull, name);
	double v1 = (double)(h & 0xff) / 255.0, v2 = (double)((h >> 8) & 0xff) / 255.0;
	double v3 = (double)((h >> 16) & 0xff) / 255.0;
	*r = 205 + (int)(50 * v3);
	*g = (int)(230 * v1);
	*b = (int)(55 * v2);
}

static const char script[] =
	"<script type=\"text/ecmascript\"><![CDATA[\n"
	"var W=%g,P=%g,frames=[],details,matched,zoomed=null;\n"
	"function init(){details=document.getElementById('details');"
	"matched=document.getElementById('matched');"
	"var g=document.getElementsByClassName('f');for(var i=0;i<g.length;i++){var e=g[i];"
	"frames.push(e);e.onclick=function(){zoom(this);};"
	"e.onmouseover=function(){details.textContent=this.querySelector('title').textContent"
	".split('\\n').join(', ');};e.onmouseout=function(){details.textContent=' ';};}}\n"
	"function fit(e,x,w){var r=e.querySelector('rect'),t=e.querySelector('text');"
	"r.setAttribute('x',x);r.setAttribute('width',w);t.setAttribute('x',x+3);"
	"var s=e.getAttribute('data-n'),m=Math.floor((w-6)/7);"
	"t.textContent=m<3?'':(s.length>m?s.substring(0,m-2)+'..':s);}\n"
	"function zoom(z){zoomed=z;var zx=+z.getAttribute('data-x'),zw=+z.getAttribute('data-w'),"
	"zd=+z.getAttribute('data-d');for(var i=0;i<frames.length;i++){var e=frames[i],"
	"x=+e.getAttribute('data-x'),w=+e.getAttribute('data-w'),d=+e.getAttribute('data-d');"
	"var inside=x>=zx-1e-9&&x+w<=zx+zw+1e-9&&d>=zd,below=d<zd&&x<=zx+1e-9&&x+w>=zx+zw-1e-9;"
	"if(inside){fit(e,P+(x-zx)*W/zw,w*W/zw);e.style.display='';e.style.opacity=1;}"
	"else if(below){fit(e,P,W);e.style.display='';e.style.opacity=0.5;}"
	"else e.style.display='none';}document.getElementById('unzoom').style.opacity=1;}\n"
	"function unzoom(){zoomed=null;for(var i=0;i<frames.length;i++){var e=frames[i];"
	"fit(e,P+(+e.getAttribute('data-x'))*W,(+e.getAttribute('data-w'))*W);e.style.display='';"
	"e.style.opacity=1;}document.getElementById('unzoom').style.opacity=0;}\n"
	"function search(){var t=prompt('Search (regular expression):','');if(t===null)return;"
	"var re;try{re=new RegExp(t);}catch(x){alert(x);return;}var sum=0,spans=[];"
	"for(var i=0;i<frames.length;i++){var e=frames[i],r=e.querySelector('rect');"
	"if(t!==''&&re.test(e.getAttribute('data-n'))){r.setAttribute('fill','rgb(230,0,230)');"
	"var x=+e.getAttribute('data-x'),w=+e.getAttribute('data-w'),in_=false;"
	"for(var k=0;k<spans.length;k++)if(x>=spans[k][0]&&x+w<=spans[k][1]+1e-12)in_=true;"
	"if(!in_){spans.push([x,x+w]);sum+=w;}}else r.setAttribute('fill',r.getAttribute('data-c'));}"
	"matched.textContent=t===''?' ':'Matched: '+(sum*100).toFixed(1)+'%%';}\n"
	"document.addEventListener('keydown',function(e){if((e.ctrlKey||e.metaKey)&&e.key==='f')"
	"{e.preventDefault();search();}});\n"
	"]]></script>\n";

static void frame(FILE *f, const struct fnode *x, double total, int height,
		  const struct hp_flame_opts *o)
{
	char t[32], s[32];
	double fx = x->x / total, fw = (double)x->total / total;
	double px = PAD + fx * WIDTH, pw = fw * WIDTH;
	int y = height - BOTTOM - (int)(x->depth + 1) * FRAME_H;
	int r, g, b;
	colour(x->name, &r, &g, &b);
	amount(t, sizeof(t), x->total, o);
	amount(s, sizeof(s), x->self, o);
	fprintf(f, "<g class=\"f\" data-x=\"%.9f\" data-w=\"%.9f\" data-d=\"%zu\" data-n=\"", fx,
		fw, x->depth);
	xml(f, x->name);
	fputs("\"><title>", f);
	xml(f, x->name);
	if (x->module) {
		fputs(" (", f);
		xml(f, x->module);
		fputs(")", f);
	}
	if (x->calls) /* CPU samples count no calls */
		fprintf(f, "\ncalls: %" PRIu64, x->calls);
	fprintf(f, "\ntotal: %s (%.2f%%)\nself: %s</title>", t, fw * 100, s);
	fprintf(f,
		"<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"rgb(%d,%d,%d)\" "
		"data-c=\"rgb(%d,%d,%d)\" rx=\"2\"/>",
		px, y, pw, FRAME_H - 1, r, g, b, r, g, b);
	fprintf(f, "<text x=\"%.2f\" y=\"%d\">", px + 3, y + FRAME_H - 5);
	int m = (int)((pw - 6) / 7);
	size_t len = strlen(x->name);
	if (m >= 3) {
		if ((int)len <= m) {
			xml(f, x->name);
		} else {
			char cut[512];
			snprintf(cut, sizeof(cut), "%.*s..", m - 2 < 500 ? m - 2 : 500, x->name);
			xml(f, cut);
		}
	}
	fputs("</text></g>\n", f);
}

static int write_svg(FILE *f, const struct merge *m, const struct hp_flame_opts *o)
{
	uint64_t total = 0;
	size_t depth = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (m->v[i].parent == SIZE_MAX)
			total += m->v[i].total;
		if (m->v[i].depth + 1 > depth)
			depth = m->v[i].depth + 1;
	}
	int height = TOP + BOTTOM + (int)depth * FRAME_H;
	fprintf(f,
		"<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" onload=\"init()\" "
		"viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\">\n",
		(int)(WIDTH + 2 * PAD), height, (int)(WIDTH + 2 * PAD), height);
	fputs("<style>text{font-family:Verdana,sans-serif;font-size:12px;fill:#000}"
	      ".f:hover rect{stroke:#000;stroke-width:0.5}.f{cursor:pointer}"
	      ".b{cursor:pointer;fill:#333}</style>\n",
	      f);
	fprintf(f, script, WIDTH, PAD);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#f8f8f0\"/>\n");
	fprintf(f, "<text x=\"%g\" y=\"24\" text-anchor=\"middle\" style=\"font-size:17px\">",
		PAD + WIDTH / 2);
	xml(f, o && o->title ? o->title : "hotpath flame graph");
	fputs("</text>\n", f);
	fprintf(f,
		"<text id=\"unzoom\" class=\"b\" x=\"%g\" y=\"48\" style=\"opacity:0\" "
		"onclick=\"unzoom()\">Reset Zoom</text>\n",
		PAD);
	fprintf(f,
		"<text id=\"search\" class=\"b\" x=\"%g\" y=\"48\" text-anchor=\"end\" "
		"onclick=\"search()\">Search</text>\n",
		PAD + WIDTH);
	fprintf(f, "<text id=\"details\" x=\"%g\" y=\"%d\"> </text>\n", PAD, height - 10);
	fprintf(f, "<text id=\"matched\" x=\"%g\" y=\"%d\" text-anchor=\"end\"> </text>\n",
		PAD + WIDTH, height - 10);
	size_t hidden = 0;
	for (size_t i = 0; total && i < m->n; i++) {
		if ((double)m->v[i].total / (double)total * WIDTH < MIN_PX) {
			hidden++;
			continue;
		}
		frame(f, &m->v[i], (double)total, height, o);
	}
	if (!total)
		fprintf(f, "<text x=\"%g\" y=\"%d\">no samples</text>\n", PAD, TOP + FRAME_H);
	fprintf(f, "<!-- %zu frames, %zu too narrow to draw -->\n</svg>\n", m->n, hidden);
	return ferror(f) ? -EIO : 0;
}

int hp_flame_svg(FILE *f, const struct hp_flame_stack *s, size_t n, const struct hp_flame_opts *o)
{
	struct merge m = {0};
	int rc = -ENOMEM;
	static const struct hp_flame_opts defaults = {.unit = "ns"};
	if (!o)
		o = &defaults;
	if (grow_index(&m) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		size_t at = SIZE_MAX;
		if (!s[i].n)
			continue; /* a zero value still brings its calls into the tooltips */
		for (size_t k = 0; k < s[i].n; k++) {
			at = child_of(&m, at, s[i].frames[k].name, s[i].frames[k].module);
			if (at == SIZE_MAX)
				goto out;
			m.v[at].total += s[i].value;
		}
		m.v[at].self += s[i].value;
		m.v[at].calls += s[i].calls;
	}
	if ((rc = layout(&m)) < 0)
		goto out;
	rc = write_svg(f, &m, o);
out:
	free(m.v);
	free(m.index);
	return rc;
}
