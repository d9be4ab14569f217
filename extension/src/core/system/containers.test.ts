import assert from 'node:assert/strict';
import { containerFromCgroups, containerLine, describeContainer, type NamespaceMeta } from './containers';

const ID = '3f2a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8';

describe('which container a process is in, from its cgroup paths', () => {
  const cases: [string, string | null][] = [
    [`/docker/${ID}`, 'docker'], // cgroup v1, cgroupfs driver
    [`/system.slice/docker-${ID}.scope`, 'docker'], // systemd driver
    [`/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope/container`, 'podman'],
    [`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234.slice/cri-containerd-${ID}.scope`, 'containerd'],
    [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podab.slice/crio-${ID}.scope`, 'cri-o'],
    [`/kubepods/besteffort/pod12ab/${ID}`, 'kubernetes'],
    [`/buildkit/${ID}`, null], // an id with no runtime word
  ];
  for (const [path, runtime] of cases) {
    it(`${path.slice(0, 60)}… → ${runtime ?? 'an id'}`, () => {
      assert.deepEqual(containerFromCgroups(['/user.slice', path]), { runtime, id: ID });
    });
  }

  it('LXC and systemd-nspawn containers by name', () => {
    assert.deepEqual(containerFromCgroups(['/lxc.payload.web1/init.scope']), { runtime: 'lxc', id: 'web1' });
    assert.deepEqual(containerFromCgroups(['/machine.slice/machine-build\\x2dbox.scope/payload']), { runtime: 'nspawn', id: 'build-box' });
  });

  it('none for a host process', () => {
    assert.equal(containerFromCgroups(['/user.slice/user-0.slice/session-3.scope', '/system.slice/ssh.service']), null);
    assert.equal(containerFromCgroups([]), null);
  });

  it('labels: the short id, a name when one is known, else the namespace; the pid inside', () => {
    const ns: NamespaceMeta = { pid_ns: 4026532174, mnt_ns: 4026532173, other_pid_ns: true, other_mnt_ns: true, ns_pid: 1, cgroups: [`/docker/${ID}`] };
    assert.equal(containerLine(ns, describeContainer(ns)), `in docker ${ID.slice(0, 12)} as pid 1`);
    assert.equal(describeContainer(ns, 'web').label, `docker web (${ID.slice(0, 12)})`);
    const bare = { ...ns, cgroups: [] };
    assert.equal(containerLine(bare, describeContainer(bare)), 'in PID namespace 4026532174 as pid 1');
    assert.equal(describeContainer({ ...bare, other_pid_ns: false }, 'box').label, 'mount namespace 4026532173 (box)');
  });
});
