/* fuzz_store.c - libFuzzer target for the history reader (`hotpath history/report RUN/
 * compare`) on a corrupted database: a valid history with two runs (a saved report of every
 * section, made once at start-up) is copied and the input applied to the file as patches
 * (records of: offset u24 little-endian, length u8, bytes); the copy is opened read-only,
 * listed, every run resolved and loaded, and each loaded run goes through every renderer
 * (render.h). A history file can come from anywhere (a CI artifact, a shared checkout).
 * FUZZ_SOURCES: READERS
 * FUZZ_LIBS: -lelf -ldw -liberty -lprotobuf-c -lz -lsqlite3 -lcapstone -lpthread */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "render.h"
#include "tools/history/store.h"

/* The runs saved in the template: two of the report fuzzer's seeds (every section between
 * them: functions with histograms, threads, memory, channels, locks, io, children). */
static const char *const saved[] = {HP_FUZZ_ROOT "/tests/fuzz/seeds/report/flow.json",
				    HP_FUZZ_ROOT "/tests/fuzz/seeds/report/children.json"};

static unsigned char *tmpl;
static size_t tmpl_len;
static char path[64];

static char *slurp(const char *file, size_t *len)
{
	FILE *f = fopen(file, "rb");
	char *buf = NULL;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (*len = (size_t)ftell(f)) > 0 && (buf = malloc(*len))) {
		rewind(f);
		if (fread(buf, 1, *len, f) != *len) {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static int make_template(void)
{
	struct hp_store *st;
	struct hp_run_meta m = {.label = "base", .command = "prog a", .pcts = {95}, .npcts = 1};
	char err[512];
	int64_t id;
	snprintf(path, sizeof(path), "/tmp/hp-fuzz-store-%d.db", (int)getpid());
	unlink(path);
	if (hp_store_open(&st, path, 1, 1000, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_store: %s\n", err);
		return -1;
	}
	for (size_t i = 0; i < sizeof(saved) / sizeof(saved[0]); i++) {
		struct hp_proc p;
		size_t len = 0;
		char *text = slurp(saved[i], &len);
		if (!text || hp_report_from_json(text, len, &p, err, sizeof(err)) < 0 ||
		    hp_store_save(st, &p, &m, &id, err, sizeof(err)) < 0) {
			fprintf(stderr, "fuzz_store: %s: %s\n", saved[i],
				text ? err : "cannot read");
			free(text);
			hp_store_close(st);
			return -1;
		}
		hp_proc_free(&p);
		free(text);
	}
	hp_store_close(st);
	tmpl = (unsigned char *)slurp(path, &tmpl_len);
	return tmpl ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	if (!tmpl && make_template() < 0)
		abort();
	unsigned char *db = malloc(tmpl_len);
	if (!db)
		return 0;
	memcpy(db, tmpl, tmpl_len);
	for (size_t i = 0; i + 4 <= n;) {
		size_t off = (size_t)data[i] | (size_t)data[i + 1] << 8 | (size_t)data[i + 2] << 16;
		size_t len = data[i + 3];
		i += 4;
		if (len > n - i)
			len = n - i;
		off %= tmpl_len;
		memcpy(db + off, data + i, len < tmpl_len - off ? len : tmpl_len - off);
		i += len;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, db, tmpl_len) != (ssize_t)tmpl_len)
		abort();
	close(fd);
	free(db);
	struct hp_store *st;
	char err[512];
	if (hp_store_open(&st, path, 0, 0, err, sizeof(err)) < 0)
		return 0;
	struct hp_run_meta *metas = NULL;
	size_t nm = 0;
	if (hp_store_list(st, NULL, 0, &metas, &nm, err, sizeof(err)) == 0)
		hp_run_metas_free(metas, nm);
	int64_t *ids = NULL;
	int nid = hp_store_resolve(st, "base", 0, &ids, err, sizeof(err));
	for (int k = 0; k < nid && k < 4; k++) {
		struct hp_proc p;
		struct hp_run_meta meta;
		if (hp_store_load(st, ids[k], &p, &meta, err, sizeof(err)) == 0) {
			hp_proc_finish(&p, 0);
			fuzz_render(&p);
			hp_run_meta_free(&meta);
		}
		hp_proc_free(&p);
	}
	free(ids);
	hp_store_close(st);
	return 0;
}
