#!/usr/bin/python3
"""openstacksdk's baremetal proxy against a running Ironflow API.

Usage: openstacksdk_roundtrip.py ENDPOINT [CHECK ...]

Runs the checks named (all by default) in order with Debian's
python3-openstacksdk (0.101), the library Ansible's openstack.cloud and Bifrost
drive Ironic through. Each check is a function registered with @check. Prints one
line per check ("ok NAME") and exits 1 with a message on the
first mismatch. Nodes are fake-hardware; the API must run with a worker (for
provision and power state changes) and without automated cleaning.
"""
import sys
import time
import traceback
import uuid

import openstack
from openstack import exceptions

CHECKS = []


def check(name):
    """Registers a check, run in the order registered."""

    def register(fn):
        CHECKS.append((name, fn))
        return fn

    return register


class Mismatch(AssertionError):
    pass


def expect(cond, what):
    if not cond:
        raise Mismatch(what)


def equal(got, want, what):
    if got != want:
        raise Mismatch(f"{what}: expected {want!r}, got {got!r}")


def raises(exc_type, fn, what, match=None):
    try:
        fn()
    except exc_type as e:
        if match and match not in str(e):
            raise Mismatch(f"{what}: {exc_type.__name__} without {match!r}: {e}")
        return e
    except Exception as e:  # noqa: BLE001 - the wrong type is the finding
        raise Mismatch(f"{what}: expected {exc_type.__name__}, got {type(e).__name__}: {e}")
    raise Mismatch(f"{what}: expected {exc_type.__name__}, nothing was raised")


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class Ctx:
    def __init__(self, conn):
        self.conn = conn
        self.bm = conn.baremetal
        self.cleanup = []

    def node(self, **attrs):
        attrs.setdefault("driver", "fake-hardware")
        attrs.setdefault("name", unique("sdk"))
        # Without it the SDK itself runs manage + provide after creating (its default target is available).
        attrs.setdefault("provision_state", "enroll")
        n = self.bm.create_node(**attrs)
        self.cleanup.append(lambda: self.bm.delete_node(n.id, ignore_missing=True))
        return n

    def available(self, **attrs):
        # The SDK's own path to available: create, then manage and provide with waits.
        n = self.node(provision_state="available", **attrs)
        equal(n.provision_state, "available", "create_node(provision_state=available)")
        return n


@check("version negotiation")
def version_negotiation(c):
    # The SDK discovers the endpoint's versions and settles on the highest both sides know.
    v = c.bm.get_endpoint_data()
    expect(v.max_microversion is not None, f"the endpoint announces no max microversion: {v}")
    expect(tuple(v.max_microversion) >= (1, 89), f"max microversion {v.max_microversion} is below 1.89")
    expect(tuple(v.min_microversion) == (1, 1), f"min microversion {v.min_microversion}")


@check("nodes")
def nodes(c):
    rc = unique("rc")
    n = c.node(resource_class=rc, properties={"cpus": 4, "memory_mb": 1024}, extra={"rack": "a1"})
    equal(n.provision_state, "enroll", "a new node is enrolled")
    equal(n.driver, "fake-hardware", "driver")
    got = c.bm.get_node(n.name)
    equal(got.id, n.id, "get by name")
    equal(got.properties.get("cpus"), 4, "properties kept")
    listed = [x.id for x in c.bm.nodes(resource_class=rc)]
    equal(listed, [n.id], "list filtered by resource_class")
    detailed = list(c.bm.nodes(details=True, resource_class=rc))
    equal(detailed[0].extra, {"rack": "a1"}, "detailed list carries extra")
    fields = c.bm.get_node(n.id, fields=["uuid", "name"])
    equal(fields.name, n.name, "show with fields")
    expect(fields.driver is None, f"fields=uuid,name still returned driver {fields.driver!r}")
    patched = c.bm.patch_node(n, [{"op": "add", "path": "/extra/owner", "value": "ops"}])
    equal(patched.extra, {"rack": "a1", "owner": "ops"}, "patch extra")
    renamed = n.name + "-x"
    updated = c.bm.update_node(n.id, name=renamed)
    equal(updated.name, renamed, "update_node renames")
    equal(c.bm.get_node(renamed).id, n.id, "get by the new name")
    c.bm.delete_node(n.id)
    raises(exceptions.ResourceNotFound, lambda: c.bm.get_node(n.id), "get after delete")


@check("node errors")
def node_errors(c):
    raises(exceptions.ResourceNotFound, lambda: c.bm.get_node(str(uuid.uuid4())), "unknown node uuid")
    raises(exceptions.ResourceNotFound, lambda: c.bm.get_node("no-such-node"), "unknown node name")
    raises(exceptions.BadRequestException, lambda: c.bm.create_node(driver="no-such-driver"), "unknown driver")
    n = c.node()
    raises(exceptions.BadRequestException, lambda: c.bm.patch_node(n, [{"op": "replace", "path": "/uuid", "value": str(uuid.uuid4())}]), "patching uuid")
    raises(exceptions.ConflictException, lambda: c.bm.create_node(driver="fake-hardware", name=n.name), "duplicate name")


@check("ports")
def ports(c):
    n = c.node()
    mac = "52:54:00:%02x:%02x:%02x" % tuple(uuid.uuid4().bytes[:3])
    p = c.bm.create_port(node_id=n.id, address=mac, extra={"slot": 1})
    equal(p.address, mac, "port address")
    equal(p.node_id, n.id, "port node")
    equal([x.id for x in c.bm.ports(node=n.id)], [p.id], "ports of the node")
    equal([x.id for x in c.bm.ports(address=mac)], [p.id], "ports by address")
    equal(c.bm.get_port(p.id).address, mac, "get port")
    q = c.bm.patch_port(p, [{"op": "replace", "path": "/pxe_enabled", "value": False}])
    equal(q.is_pxe_enabled, False, "patch pxe_enabled")
    raises(exceptions.BadRequestException, lambda: c.bm.create_port(node_id=n.id, address="not-a-mac"), "bad MAC")
    raises(exceptions.ConflictException, lambda: c.bm.create_port(node_id=n.id, address=mac), "duplicate MAC")
    raises(exceptions.BadRequestException, lambda: c.bm.create_port(node_id=str(uuid.uuid4()), address="52:54:00:00:00:99"), "port of unknown node")
    c.bm.delete_port(p)
    raises(exceptions.ResourceNotFound, lambda: c.bm.get_port(p.id), "get port after delete")


@check("provision and power states")
def provision(c):
    n = c.node()
    m = c.bm.set_node_provision_state(n, "manage", wait=True, timeout=120)
    equal(m.provision_state, "manageable", "manage")
    a = c.bm.set_node_provision_state(n, "provide", wait=True, timeout=120)
    equal(a.provision_state, "available", "provide")
    c.bm.set_node_power_state(n, "power on", wait=True, timeout=60)
    equal(c.bm.get_node(n.id).power_state, "power on", "power on")
    c.bm.set_node_power_state(n, "power off", wait=True, timeout=60)
    equal(c.bm.get_node(n.id).power_state, "power off", "power off")
    # Ironic answers an action the state does not allow with 400 (InvalidStateRequested); Ironflow
    # chose 409 (see the report of the consumers branch): either is an HttpException naming the state.
    e = raises(exceptions.HttpException, lambda: c.bm.set_node_provision_state(n, "inspect"), "inspect from available", match='in state "available"')
    expect(e.status_code in (400, 409), f"inspect from available answered {e.status_code}")
    m = c.bm.set_node_provision_state(n, "manage", wait=True, timeout=120)
    equal(m.provision_state, "manageable", "manage from available")


@check("validate")
def validate(c):
    n = c.node()
    result = c.bm.validate_node(n, required=("power",))
    expect("power" in result, f"validate lists power: {result}")
    expect(result["power"].result, f"fake power validates: {result['power']}")
    ok = c.bm.validate_node(n, required=())
    expect("deploy" in ok, f"validate lists deploy: {ok}")


@check("traits")
def traits(c):
    n = c.node()
    c.bm.add_node_trait(n, "CUSTOM_GPU")
    c.bm.add_node_trait(n, "HW_CPU_X86_AVX2")
    equal(sorted(c.bm.get_node(n.id).traits), ["CUSTOM_GPU", "HW_CPU_X86_AVX2"], "traits added")
    c.bm.remove_node_trait(n, "CUSTOM_GPU")
    equal(c.bm.get_node(n.id).traits, ["HW_CPU_X86_AVX2"], "trait removed")
    c.bm.set_node_traits(n, ["CUSTOM_A", "CUSTOM_B"])
    equal(sorted(c.bm.get_node(n.id).traits), ["CUSTOM_A", "CUSTOM_B"], "traits set")
    raises(exceptions.BadRequestException, lambda: c.bm.add_node_trait(n, "lower_case"), "bad trait name")
    # Ironic's NodeTraitNotFound is a 404 (the SDK 0.101's ignore_missing only swallows a 400, so it raises with real Ironic too).
    raises(exceptions.ResourceNotFound, lambda: c.bm.remove_node_trait(n, "CUSTOM_NOPE", ignore_missing=False), "removing an absent trait")


@check("allocations")
def allocations(c):
    rc = unique("rc")
    a_node = c.available(resource_class=rc)
    c.bm.set_node_traits(a_node, ["CUSTOM_SDK"])
    c.available(resource_class=rc)  # a second node without the trait
    name = unique("alloc")
    a = c.bm.create_allocation(resource_class=rc, traits=["CUSTOM_SDK"], name=name)
    a = c.bm.wait_for_allocation(a, timeout=60)
    equal(a.state, "active", "allocation active")
    equal(a.node_id, a_node.id, "the node with the trait")
    equal(c.bm.get_allocation(name).id, a.id, "get allocation by name")
    expect(any(x.id == a.id for x in c.bm.allocations(resource_class=rc)), "allocation listed by resource_class")
    node = c.bm.get_node(a_node.id)
    equal(node.allocation_id, a.id, "node allocation_uuid")
    equal(node.instance_id, a.id, "node instance_uuid")
    none = c.bm.create_allocation(resource_class=rc, traits=["CUSTOM_NOWHERE"])
    e = raises(exceptions.SDKException, lambda: c.bm.wait_for_allocation(none, timeout=60), "allocation nothing matches")
    expect("CUSTOM_NOWHERE" in str(e) or "No available nodes" in str(e), f"failure says why: {e}")
    c.bm.delete_allocation(none)
    c.bm.delete_allocation(a)
    raises(exceptions.ResourceNotFound, lambda: c.bm.get_allocation(a.id), "get allocation after delete")
    equal(c.bm.get_node(a_node.id).allocation_id, None, "released")
    raises(exceptions.BadRequestException, lambda: c.bm.create_allocation(traits=["CUSTOM_SDK"]), "allocation without resource_class")


@check("chassis")
def chassis(c):
    ch = c.bm.create_chassis(description="sdk rack", extra={"row": "b"})
    equal(c.bm.get_chassis(ch.id).description, "sdk rack", "get chassis")
    expect(ch.id in [x.id for x in c.bm.chassis(details=True)], "chassis listed")
    equal(c.bm.patch_chassis(ch, [{"op": "replace", "path": "/description", "value": "rack 2"}]).description, "rack 2", "patch chassis")
    n = c.node(chassis_id=ch.id)
    equal(c.bm.get_node(n.id).chassis_id, ch.id, "node in the chassis")
    raises(exceptions.BadRequestException, lambda: c.bm.delete_chassis(ch), "delete a chassis holding a node")
    c.bm.delete_node(n.id)
    c.bm.delete_chassis(ch)
    raises(exceptions.ResourceNotFound, lambda: c.bm.get_chassis(ch.id), "get chassis after delete")
    raises(exceptions.BadRequestException, lambda: c.node(chassis_id=str(uuid.uuid4())), "node in an unknown chassis")


@check("port groups and VIFs")
def port_groups(c):
    n = c.node()
    g = c.bm.create_port_group(node_id=n.id, address="52:54:00:aa:bb:01", name=unique("pg"), mode="802.3ad")
    got = c.bm.get_port_group(g.id)
    equal((got.node_id, got.mode), (n.id, "802.3ad"), "get port group")
    equal([x.id for x in c.bm.port_groups(node=n.id)], [g.id], "port groups of the node")
    p = c.bm.create_port(node_id=n.id, address="52:54:00:aa:bb:02", port_group_id=g.id)
    equal([x.id for x in c.bm.ports(portgroup=g.id)], [p.id], "ports of the group")
    equal(c.bm.patch_port_group(g, [{"op": "add", "path": "/extra/bond", "value": "b0"}]).extra, {"bond": "b0"}, "patch group")
    raises(exceptions.BadRequestException, lambda: c.bm.delete_port_group(g), "delete a group with ports")
    vif = str(uuid.uuid4())
    c.bm.attach_vif_to_node(n, vif)
    equal(c.bm.list_node_vifs(n), [vif], "VIF attached")
    raises(exceptions.ConflictException, lambda: c.bm.attach_vif_to_node(n, vif), "attach the same VIF twice")
    c.bm.detach_vif_from_node(n, vif)
    equal(c.bm.list_node_vifs(n), [], "VIF detached")
    raises(exceptions.BadRequestException, lambda: c.bm.create_port_group(node_id=n.id, address="not-a-mac"), "bad group MAC")
    c.bm.delete_port(p)
    c.bm.delete_port_group(g)
    raises(exceptions.ResourceNotFound, lambda: c.bm.get_port_group(g.id), "get group after delete")


@check("conductors")
def conductors(c):
    live = list(c.bm.conductors(details=True))
    expect(len(live) >= 1 and all(x.alive for x in live), f"a live conductor (the worker): {live}")
    got = c.bm.get_conductor(live[0].hostname)
    expect("fake-hardware" in got.drivers, f"the worker serves fake-hardware: {got.drivers}")
    raises(exceptions.ResourceNotFound, lambda: c.bm.get_conductor("no-such-host"), "unknown conductor")


@check("deploy templates")
def deploy_templates(c):
    name = "CUSTOM_" + unique("SDK").upper().replace("-", "_")
    steps = [{"interface": "deploy", "step": "erase_devices_metadata", "args": {}, "priority": 150}]
    t = c.bm.create_deploy_template(name=name, steps=steps)
    equal(c.bm.get_deploy_template(t.id).name, name, "get template")
    expect(t.id in [x.id for x in c.bm.deploy_templates()], "template listed")
    equal(c.bm.patch_deploy_template(t, [{"op": "add", "path": "/extra/why", "value": "sdk"}]).extra, {"why": "sdk"}, "patch template")
    raises(exceptions.ConflictException, lambda: c.bm.create_deploy_template(name=name, steps=steps), "duplicate template name")
    raises(exceptions.BadRequestException, lambda: c.bm.create_deploy_template(name="NOT_A_TRAIT", steps=steps), "name not a trait")
    bad = [{"interface": "deploy", "step": "no_such_step", "args": {}, "priority": 10}]
    raises(exceptions.BadRequestException, lambda: c.bm.create_deploy_template(name=name + "_2", steps=bad), "unknown step")
    c.bm.delete_deploy_template(t)
    raises(exceptions.ResourceNotFound, lambda: c.bm.get_deploy_template(t.id), "get template after delete")


@check("volume connectors and targets")
def volume(c):
    n = c.node()
    iqn = "iqn.2026-12.org.example:" + unique("sdk")
    vc = c.bm.create_volume_connector(node_id=n.id, type="iqn", connector_id=iqn)
    equal(c.bm.get_volume_connector(vc.id).connector_id, iqn, "get connector")
    raises(exceptions.ConflictException, lambda: c.bm.create_volume_connector(node_id=n.id, type="iqn", connector_id=iqn), "duplicate connector")
    raises(exceptions.BadRequestException, lambda: c.bm.create_volume_connector(node_id=n.id, type="floppy", connector_id="x"), "bad type")
    vt = c.bm.create_volume_target(node_id=n.id, volume_type="iscsi", boot_index=0, volume_id=unique("vol"))
    equal([x.id for x in c.bm.volume_targets(node=n.id)], [vt.id], "targets of the node")
    raises(
        exceptions.ConflictException,
        lambda: c.bm.create_volume_target(node_id=n.id, volume_type="iscsi", boot_index=0, volume_id=unique("vol")),
        "a second target with boot_index 0",
    )
    c.bm.delete_volume_target(vt)
    c.bm.delete_volume_connector(vc)
    raises(exceptions.ResourceNotFound, lambda: c.bm.get_volume_connector(vc.id), "get connector after delete")


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    endpoint, wanted = argv[1], set(argv[2:])
    # No retries of 409/503: the error cases expect a 409 at once (the SDK would retry it five times).
    conn = openstack.connection.Connection(
        auth_type="none", baremetal_endpoint_override=endpoint, baremetal_api_version="1", baremetal_status_code_retries=0
    )
    c = Ctx(conn)
    try:
        for name, fn in CHECKS:
            if wanted and name not in wanted:
                continue
            started = time.monotonic()
            try:
                fn(c)
            except Mismatch as e:
                print(f"FAIL {name}: {e}", file=sys.stderr, flush=True)
                return 1
            except Exception as e:  # noqa: BLE001
                print(f"FAIL {name}: {type(e).__name__}: {e}\n{traceback.format_exc()}", file=sys.stderr, flush=True)
                return 1
            print(f"ok {name} ({time.monotonic() - started:.1f} s)", flush=True)
    finally:
        for undo in reversed(c.cleanup):
            try:
                undo()
            except Exception:  # noqa: BLE001 - best effort
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
