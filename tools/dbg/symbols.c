// SPDX-License-Identifier: GPL-2.0
/* machexc-dbg: symbols, lines, unwinding (see symbols.h). */
#include <ctype.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory.h"
#include "output.h"
#include "regs.h"
#include "symbols.h"
#include "target.h"

#define NREGS 17	/* DWARF x86-64: rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip */

static Dwfl *dwfl;
static char *maps;	/* /proc/PID/maps when dwfl was made */
static bool stale = true;

/* The target's libraries and program from their files; no [vdso] (no /proc/PID/mem). */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	if (name && name[0] == '[')
		return -1;
	return dwfl_linux_proc_find_elf(mod, userdata, name, base, file_name, elfp);
}

static const Dwfl_Callbacks callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

static char *read_maps(void)
{
	char path[64], *buf = NULL;
	size_t size = 0;
	FILE *f, *out;
	int c;

	snprintf(path, sizeof(path), "/proc/%d/maps", T.pid);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	out = open_memstream(&buf, &size);
	if (out) {
		while ((c = fgetc(f)) != EOF)
			fputc(c, out);
		fclose(out);
	}
	fclose(f);
	return buf;
}

/* A Dwfl of the target's modules, made again when its mappings changed. */
static Dwfl *session(void)
{
	char *now;

	if (!target_alive())
		return NULL;
	if (dwfl && !stale)
		return dwfl;
	stale = false;
	now = read_maps();
	if (dwfl && now && maps && !strcmp(now, maps)) {
		free(now);
		return dwfl;
	}
	if (dwfl)
		dwfl_end(dwfl);
	free(maps);
	maps = now;
	dwfl = dwfl_begin(&callbacks);
	if (!dwfl)
		return NULL;
	if (dwfl_linux_proc_report(dwfl, T.pid) || dwfl_report_end(dwfl, NULL, NULL)) {
		dwfl_end(dwfl);
		dwfl = NULL;
	}
	return dwfl;
}

void sym_invalidate(void)
{
	stale = true;
}

void sym_reset(void)
{
	if (dwfl)
		dwfl_end(dwfl);
	dwfl = NULL;
	free(maps);
	maps = NULL;
	stale = true;
}

/* ---- names to addresses --------------------------------------------------- */

struct lookup {
	const char *name;
	uint64_t addr, size;
	int found;	/* 2: in the program itself, 1: elsewhere */
};

static bool same_name(const char *sym, const char *name)
{
	size_t n = strlen(name);

	/* "puts@@GLIBC_2.2.5" is puts. */
	return !strncmp(sym, name, n) && (sym[n] == 0 || sym[n] == '@');
}

static int lookup_module(Dwfl_Module *mod, void **userdata, const char *modname,
			 Dwarf_Addr start, void *arg)
{
	struct lookup *l = arg;
	int n = dwfl_module_getsymtab(mod), i;
	int rank = modname && !strcmp(modname, T.exe) ? 2 : 1;

	(void)userdata;
	(void)start;
	if (l->found >= rank)
		return DWARF_CB_OK;
	for (i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &addr, NULL, NULL, NULL);

		if (!name || sym.st_shndx == SHN_UNDEF || !addr || !same_name(name, l->name))
			continue;
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC && GELF_ST_TYPE(sym.st_info) != STT_OBJECT &&
		    GELF_ST_TYPE(sym.st_info) != STT_GNU_IFUNC &&
		    GELF_ST_TYPE(sym.st_info) != STT_NOTYPE)
			continue;
		l->addr = addr;
		l->size = sym.st_size;
		l->found = rank;
		break;
	}
	return DWARF_CB_OK;
}

int sym_lookup(const char *name, uint64_t *addr, uint64_t *size)
{
	struct lookup l = { name, 0, 0, 0 };
	Dwfl *d = session();

	if (!d || !*name)
		return -1;
	dwfl_getmodules(d, lookup_module, &l, 0);
	if (!l.found)
		return -1;
	*addr = l.addr;
	if (size)
		*size = l.size;
	return 0;
}

/* Past the prologue: where the function's second line starts (gdb's way). */
static uint64_t skip_prologue(uint64_t addr, uint64_t size)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, addr);
	Dwarf_Addr bias;
	Dwarf_Die *cu = mod ? dwfl_module_addrdie(mod, addr, &bias) : NULL;
	Dwarf_Lines *lines;
	size_t n, i;
	int first_line = -1;

	if (!cu || dwarf_getsrclines(cu, &lines, &n))
		return addr;
	for (i = 0; i < n; i++) {
		Dwarf_Line *line = dwarf_onesrcline(lines, i);
		Dwarf_Addr a;
		int lineno;

		if (!line || dwarf_lineaddr(line, &a) || dwarf_lineno(line, &lineno))
			continue;
		a += bias;
		if (a == addr && first_line < 0)
			first_line = lineno;
		else if (first_line >= 0 && a > addr && (!size || a < addr + size) &&
			 lineno != first_line && lineno != 0)
			return a;
	}
	return addr;
}

static bool path_matches(const char *path, const char *want)
{
	size_t lp = strlen(path), lw = strlen(want);

	if (lw > lp || strcmp(path + lp - lw, want))
		return false;
	return lw == lp || path[lp - lw - 1] == '/';
}

struct line_search {
	const char *file;
	int line;
	int best_line;		/* the first line >= line that has code */
	uint64_t best_addr;
};

static int search_module(Dwfl_Module *mod, void **userdata, const char *modname,
			 Dwarf_Addr start, void *arg)
{
	struct line_search *s = arg;
	Dwarf_Die *cu = NULL;
	Dwarf_Addr bias;

	(void)userdata;
	(void)modname;
	(void)start;
	while ((cu = dwfl_module_nextcu(mod, cu, &bias))) {
		Dwarf_Lines *lines;
		size_t n, i;

		if (dwarf_getsrclines(cu, &lines, &n))
			continue;
		for (i = 0; i < n; i++) {
			Dwarf_Line *line = dwarf_onesrcline(lines, i);
			const char *src = line ? dwarf_linesrc(line, NULL, NULL) : NULL;
			Dwarf_Addr a;
			bool stmt = true;
			int lineno;

			if (!src || dwarf_lineno(line, &lineno) || dwarf_lineaddr(line, &a) ||
			    lineno < s->line || !path_matches(src, s->file))
				continue;
			dwarf_linebeginstatement(line, &stmt);
			if (!stmt)
				continue;
			a += bias;
			if (!s->best_line || lineno < s->best_line ||
			    (lineno == s->best_line && a < s->best_addr)) {
				s->best_line = lineno;
				s->best_addr = a;
			}
		}
	}
	return DWARF_CB_OK;
}

static int file_line(const char *file, int line, uint64_t *addr)
{
	struct line_search s = { file, line, 0, 0 };
	Dwfl *d = session();

	if (d)
		dwfl_getmodules(d, search_module, &s, 0);
	if (!s.best_line) {
		out_error("No line %d in file \"%s\".", line, file);
		return -1;
	}
	*addr = s.best_addr;
	return 0;
}

int sym_break_address(const char *spec, uint64_t *addr)
{
	char buf[512], *colon, *end;
	uint64_t size;

	snprintf(buf, sizeof(buf), "%s", spec);
	buf[strcspn(buf, "\n")] = 0;
	while (buf[0] && isspace((unsigned char)buf[strlen(buf) - 1]))
		buf[strlen(buf) - 1] = 0;
	spec = buf + strspn(buf, " ");
	if (!*spec) {
		/* gdb: the current pc. */
		*addr = regs_pc(cur_thread);
		return *addr ? 0 : -1;
	}
	if (*spec == '*' || !strncmp(spec, "0x", 2))
		return sym_eval(spec + (*spec == '*'), addr);
	colon = strrchr(buf, ':');
	if (colon && colon[1] && strtol(colon + 1, &end, 10) > 0 && !*end) {
		*colon = 0;
		return file_line(spec, atoi(colon + 1), addr);
	}
	if (isdigit((unsigned char)*spec)) {
		struct location loc;
		long line = strtol(spec, &end, 10);

		sym_describe(regs_pc(cur_thread), &loc);
		if (*end || !loc.line) {
			out_error("No symbol table is loaded.  Use the \"file\" command.");
			return -1;
		}
		return file_line(loc.path, (int)line, addr);
	}
	if (sym_lookup(spec, addr, &size)) {
		out_error("Function \"%s\" not defined.", spec);
		return -1;
	}
	*addr = skip_prologue(*addr, size);
	return 0;
}

/* ---- addresses to names ------------------------------------------------ */

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * Is @pc in a function DWARF describes?  (Code between them, such as a
 * top-level asm block, would otherwise take the line before it.)
 */
static bool in_function(Dwfl_Module *mod, uint64_t pc)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(mod, pc, &bias), *scopes = NULL;
	int n, i;
	bool found = false;

	if (!cu)
		return false;
	n = dwarf_getscopes(cu, pc - bias, &scopes);
	for (i = 0; i < n && !found; i++)
		found = dwarf_tag(&scopes[i]) == DW_TAG_subprogram;
	free(scopes);
	return found;
}

void sym_describe(uint64_t pc, struct location *loc)
{
	Dwfl *d = session();
	Dwfl_Module *mod = d ? dwfl_addrmodule(d, pc) : NULL;
	Dwfl_Line *line;
	const char *name, *modname;
	GElf_Off off = 0;
	GElf_Sym sym;

	memset(loc, 0, sizeof(*loc));
	loc->pc = pc;
	if (!mod)
		return;
	modname = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	if (modname)
		snprintf(loc->module, sizeof(loc->module), "%s", modname);
	name = dwfl_module_addrinfo(mod, pc, &off, &sym, NULL, NULL, NULL);
	if (name) {
		snprintf(loc->func, sizeof(loc->func), "%s", name);
		loc->func[strcspn(loc->func, "@")] = 0;
		loc->offset = off;
		loc->func_addr = pc - off;
	}
	line = in_function(mod, pc) ? dwfl_module_getsrc(mod, pc) : NULL;
	if (line) {
		Dwarf_Addr addr;
		int lineno = 0;
		const char *file = dwfl_lineinfo(line, &addr, &lineno, NULL, NULL, NULL);

		if (file && lineno > 0) {
			snprintf(loc->path, sizeof(loc->path), "%s", file);
			snprintf(loc->file, sizeof(loc->file), "%s", base_name(file));
			loc->line = lineno;
			loc->line_start = addr == pc;
		}
	}
}

void sym_format_label(uint64_t addr, char *buf, size_t size)
{
	struct location loc;

	sym_describe(addr, &loc);
	if (!loc.func[0])
		buf[0] = 0;
	else if (loc.offset)
		snprintf(buf, size, "<%s+%" PRIu64 ">", loc.func, loc.offset);
	else
		snprintf(buf, size, "<%s>", loc.func);
}

void sym_format_address(uint64_t addr, char *buf, size_t size)
{
	char label[300];

	sym_format_label(addr, label, sizeof(label));
	snprintf(buf, size, "0x%" PRIx64 "%s%s", addr, label[0] ? " " : "", label);
}

/* ---- expressions --------------------------------------------------------- */

static int term(const char **p, uint64_t *v)
{
	char name[256];
	size_t n = 0;
	bool deref = false, addr_of = false;

	while (isspace((unsigned char)**p))
		(*p)++;
	/* A cast such as (long) or (char *): only its load size matters here. */
	if (**p == '(' && strchr(*p, ')') && !isdigit((unsigned char)(*p)[1]) && (*p)[1] != '$') {
		*p = strchr(*p, ')') + 1;
		while (isspace((unsigned char)**p))
			(*p)++;
	}
	if (**p == '*') {
		deref = true;
		(*p)++;
	} else if (**p == '&') {
		addr_of = true;
		(*p)++;
	}
	if (**p == '(') {
		const char *close = strchr(*p, ')');
		char inner[256];

		if (!close || close - *p >= (long)sizeof(inner))
			goto bad;
		snprintf(inner, sizeof(inner), "%.*s", (int)(close - *p - 1), *p + 1);
		if (sym_eval(inner, v))
			return -1;
		*p = close + 1;
	} else if (isdigit((unsigned char)**p)) {
		char *end;

		*v = strtoull(*p, &end, 0);
		*p = end;
	} else {
		bool reg = **p == '$';

		if (reg)
			(*p)++;
		while ((isalnum((unsigned char)**p) || **p == '_' || **p == '.') &&
		       n < sizeof(name) - 1)
			name[n++] = *(*p)++;
		name[n] = 0;
		if (!n)
			goto bad;
		if (reg) {
			if (!regs_lookup(name, v)) {
				out_error("Invalid register or no thread: $%s", name);
				return -1;
			}
		} else if (sym_lookup(name, v, NULL)) {
			out_error("No symbol \"%s\" in current context.", name);
			return -1;
		}
	}
	(void)addr_of;	/* a symbol already stands for its address */
	if (deref) {
		uint64_t at = *v;

		if (mem_read(at, v, sizeof(*v)) != sizeof(*v)) {
			out_error("Cannot access memory at address 0x%" PRIx64, at);
			return -1;
		}
	}
	return 0;
bad:
	out_error("A syntax error in expression, near `%s'.", *p);
	return -1;
}

int sym_eval(const char *expr, uint64_t *value)
{
	const char *p = expr;
	uint64_t v, t;

	if (term(&p, &v))
		return -1;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '+' && *p != '-')
			break;
		char op = *p++;

		if (term(&p, &t))
			return -1;
		v = op == '+' ? v + t : v - t;
	}
	if (*p) {
		out_error("A syntax error in expression, near `%s'.", p);
		return -1;
	}
	*value = v;
	return 0;
}

/* ---- unwinding ------------------------------------------------------------ */

struct unwind {
	struct dthread *th;
	bool given;
	struct frame *frames;
	int n, max;
};

static pid_t next_thread(Dwfl *d, void *arg, void **thread_argp)
{
	struct unwind *u = arg;

	(void)d;
	if (u->given)
		return 0;
	u->given = true;
	*thread_argp = u;
	return u->th->tid;
}

static bool get_thread(Dwfl *d, pid_t tid, void *arg, void **thread_argp)
{
	struct unwind *u = arg;

	(void)d;
	*thread_argp = u;
	return tid == u->th->tid;
}

static bool memory_read(Dwfl *d, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	(void)d;
	(void)arg;
	return mem_read(addr, result, sizeof(*result)) == sizeof(*result);
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct unwind *u = arg;
	x86_thread_state64_t s;

	if (regs_get(u->th, &s))
		return false;
	Dwarf_Word w[NREGS] = {
		s.__rax, s.__rdx, s.__rcx, s.__rbx, s.__rsi, s.__rdi, s.__rbp, s.__rsp,
		s.__r8, s.__r9, s.__r10, s.__r11, s.__r12, s.__r13, s.__r14, s.__r15, s.__rip,
	};
	return dwfl_thread_state_registers(thread, 0, NREGS, w);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct unwind *u = arg;
	Dwarf_Addr pc;
	bool activation;
	struct frame *f;

	if (u->n == u->max || !dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	f = &u->frames[u->n++];
	/* A return address is after its call: name the call's line. */
	sym_describe(activation ? pc : pc - 1, &f->loc);
	f->pc = pc;
	f->loc.pc = pc;
	if (!activation)
		f->loc.line_start = false;
	return DWARF_CB_OK;
}

int sym_backtrace(struct dthread *th, struct frame *frames, int max)
{
	struct unwind u = { th, false, frames, 0, max };
	Dwfl *d = session();
	Dwfl *unwinder;

	if (!d || !th)
		return 0;
	/* A Dwfl is attached to one process state once: a fresh one per unwind. */
	unwinder = dwfl_begin(&callbacks);
	if (unwinder && dwfl_linux_proc_report(unwinder, T.pid) == 0 &&
	    dwfl_report_end(unwinder, NULL, NULL) == 0 &&
	    dwfl_attach_state(unwinder, NULL, T.pid, &thread_callbacks, &u))
		dwfl_getthread_frames(unwinder, th->tid, frame_cb, &u);
	if (unwinder)
		dwfl_end(unwinder);
	if (!u.n) {	/* no unwinding at all: the pc alone */
		uint64_t pc = regs_pc(th);

		if (pc) {
			sym_describe(pc, &frames[0].loc);
			frames[0].pc = pc;
			u.n = 1;
		}
	}
	return u.n;
}

bool sym_source_line(const char *path, int line, char *buf, size_t size)
{
	FILE *f = path[0] ? fopen(path, "r") : NULL;
	int n = 0;

	if (!f)
		return false;
	while (fgets(buf, (int)size, f))
		if (++n == line) {
			buf[strcspn(buf, "\n")] = 0;
			fclose(f);
			return true;
		}
	fclose(f);
	return false;
}
