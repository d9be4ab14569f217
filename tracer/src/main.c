// SPDX-License-Identifier: MIT
/*
 * iolens-tracer: attaches to a process (or launches one held back until attached), and writes its
 * asynchronous I/O as an iolens event stream. The privileged part of iolens: it parses nothing it
 * did not produce, and never stops, slows or kills its target.
 *
 * main() parses the options and picks the backend (--backend): eBPF (ebpf/) when this user may
 * load the programs, else ptrace (ptrace/). Both write the same stream (common/output.h).
 */
#include <stdbool.h>
#include <unistd.h>

#include "common.h"
#include "ebpf/ebpf.h"
#include "privs.h"
#include "ptrace/ptrace.h"

/* The ptrace backend, chosen or because eBPF is not allowed here; `started`: the output is open. */
static int run_ptrace(const struct iol_options *opts, struct iol_output *out, bool started)
{
	int rc;

	if (!started && start_output(opts, out))
		return 1;
	rc = ptrace_backend_run(opts, out);
	if (out->fd >= 0)
		close(out->fd);
	release_stdio(log_fd);
	return rc;
}

int main(int argc, char **argv)
{
	static struct iol_options opts;
	static struct iol_output out = { .fd = -1 };
	bool autoselect, use_ptrace = false;
	int err, rc;

	err = parse_options(argc, argv, &opts);
	if (err)
		return err > 0 ? 0 : 2;
	log_fd = opts.log_fd;
	install_signals();
	if (opts.check)
		return ebpf_check(&opts);
	if (opts.pid && check_target(opts.pid))
		return 1;
	autoselect = opts.backend == IOL_BACKEND_AUTO;
	if (opts.backend == IOL_BACKEND_PTRACE)
		return run_ptrace(&opts, &out, false);
	if (autoselect && !caps_allow_ebpf()) {
		logmsg("iolens-tracer: using the ptrace backend: this user may not load eBPF programs");
		return run_ptrace(&opts, &out, false);
	}
	if (ebpf_ensure_tracefs(autoselect)) {
		if (!autoselect)
			return 1;
		logmsg("iolens-tracer: using the ptrace backend: tracefs is not available to this user");
		return run_ptrace(&opts, &out, false);
	}
	if (start_output(&opts, &out))
		return 1;
	rc = ebpf_backend_run(&opts, &out, autoselect, &use_ptrace);
	return use_ptrace ? run_ptrace(&opts, &out, true) : rc;
}
