// Command gophercloud-roundtrip drives a running Ironflow API through
// gophercloud's baremetal v1 packages (what metal3's baremetal-operator and the
// Terraform providers use): version discovery, a node/port/trait/allocation
// round trip and the error cases, the way metal3 enrolls nodes. It exits 1
// with a message on the first mismatch.
//
// Usage: gophercloud-roundtrip http://127.0.0.1:6385
package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/apiversions"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/noauth"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/allocations"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/ports"
)

// metal3's baremetal-operator refuses a server below 1.89 and sends
// disable_power_off (1.95) on every create: speak 1.95.
const microversion = "1.95"

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "FAIL "+format+"\n", args...)
	os.Exit(1)
}

func must(err error, what string) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

func equal[T comparable](got, want T, what string) {
	if got != want {
		fail("%s: expected %v, got %v", what, want, got)
	}
}

// wantStatus checks that err is the API's answer with this HTTP status.
func wantStatus(err error, status int, what string) {
	if err == nil {
		fail("%s: expected HTTP %d, the call succeeded", what, status)
	}
	if !gophercloud.ResponseCodeIs(err, status) {
		fail("%s: expected HTTP %d, got %v", what, status, err)
	}
}

func minor(v string) int {
	_, m, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(m)
	if err != nil {
		fail("version %q is not MAJOR.MINOR", v)
	}
	return n
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gophercloud-roundtrip ENDPOINT")
		os.Exit(2)
	}
	base := strings.TrimRight(os.Args[1], "/")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)

	// Version discovery at the root, as metal3 does before anything else.
	root, err := noauth.NewBareMetalNoAuth(noauth.EndpointOpts{IronicEndpoint: base + "/"})
	must(err, "root client")
	versions, err := apiversions.List(ctx, root).Extract()
	must(err, "GET / (versions)")
	equal(versions.DefaultVersion.ID, "v1", "default version id")
	if minor(versions.DefaultVersion.Version) < minor(microversion) {
		fail("maximum microversion %s is below %s", versions.DefaultVersion.Version, microversion)
	}
	fmt.Printf("ok versions: %s..%s\n", versions.DefaultVersion.MinVersion, versions.DefaultVersion.Version)

	client, err := noauth.NewBareMetalNoAuth(noauth.EndpointOpts{IronicEndpoint: base + "/v1/"})
	must(err, "v1 client")
	client.Microversion = microversion

	// Nodes: enrolled the way metal3 enrolls them (its extra fields, ipmi_port as a string).
	rc := "gc-" + suffix
	disable := false
	node, err := nodes.Create(ctx, client, nodes.CreateOpts{
		Name:             "gc-node-" + suffix,
		Driver:           "fake-hardware",
		ResourceClass:    rc,
		DisablePowerOff:  &disable,
		Properties:       map[string]any{"cpu_arch": "x86_64", "capabilities": "boot_mode:bios"},
		Extra:            map[string]any{"owner": "gophercloud"},
		DriverInfo:       map[string]any{"ipmi_port": "6230"},
		AutomatedClean:   &disable,
		InspectInterface: "",
	}).Extract()
	must(err, "create node")
	equal(node.ProvisionState, "enroll", "a new node is enrolled")
	defer func() { _ = nodes.Delete(context.Background(), client, node.UUID).ExtractErr() }()
	got, err := nodes.Get(ctx, client, node.Name).Extract()
	must(err, "get node by name")
	equal(got.UUID, node.UUID, "get by name")
	equal(got.DisablePowerOff, false, "disable_power_off as sent")
	page, err := nodes.ListDetail(client, nodes.ListOpts{ResourceClass: rc}).AllPages(ctx)
	must(err, "list nodes by resource_class")
	listed, err := nodes.ExtractNodes(page)
	must(err, "extract nodes")
	if len(listed) != 1 || listed[0].UUID != node.UUID {
		fail("list by resource_class: expected only %s, got %d nodes", node.UUID, len(listed))
	}
	updated, err := nodes.Update(ctx, client, node.UUID, nodes.UpdateOpts{
		nodes.UpdateOperation{Op: nodes.AddOp, Path: "/extra/rack", Value: "r1"},
	}).Extract()
	must(err, "patch node")
	equal(updated.Extra["rack"], any("r1"), "patched extra.rack")
	fmt.Println("ok nodes")

	// Enrolled exactly as metal3's provisioner enrolls an IPMI host: inspect_interface agent,
	// raid_interface no-raid, ipmi_port as a string, deploy kernel/ramdisk as http URLs.
	m3, err := nodes.Create(ctx, client, nodes.CreateOpts{
		Name:             "gc-metal3-" + suffix,
		Driver:           "ipmi",
		BootInterface:    "ipxe",
		InspectInterface: "agent",
		RAIDInterface:    "no-raid",
		DisablePowerOff:  &disable,
		Properties:       map[string]any{"capabilities": "boot_mode:bios"},
		DriverInfo: map[string]any{
			"ipmi_address":   "192.0.2.10",
			"ipmi_port":      "623",
			"ipmi_username":  "admin",
			"ipmi_password":  "secret",
			"deploy_kernel":  "http://192.0.2.1:6180/images/ironic-python-agent.kernel",
			"deploy_ramdisk": "http://192.0.2.1:6180/images/ironic-python-agent.initramfs",
		},
	}).Extract()
	must(err, "create node as metal3 does")
	equal(m3.DriverInfo["deploy_kernel"], any("http://192.0.2.1:6180/images/ironic-python-agent.kernel"), "deploy_kernel URL kept")
	equal(m3.DriverInfo["ipmi_password"], any("******"), "ipmi_password masked")
	must(nodes.Delete(ctx, client, m3.UUID).ExtractErr(), "delete the metal3-style node")
	fmt.Println("ok metal3 enrollment")

	// Ports.
	mac := fmt.Sprintf("52:54:00:%02x:%02x:%02x", time.Now().Nanosecond()&0xff, (time.Now().Nanosecond()>>8)&0xff, (time.Now().Nanosecond()>>16)&0xff)
	port, err := ports.Create(ctx, client, ports.CreateOpts{NodeUUID: node.UUID, Address: mac}).Extract()
	must(err, "create port")
	equal(port.Address, mac, "port address")
	ppage, err := ports.ListDetail(client, ports.ListOpts{Node: node.UUID}).AllPages(ctx)
	must(err, "list ports of the node")
	plist, err := ports.ExtractPorts(ppage)
	must(err, "extract ports")
	if len(plist) != 1 || plist[0].UUID != port.UUID {
		fail("ports of the node: expected only %s, got %d", port.UUID, len(plist))
	}
	pxe := false
	pu, err := ports.Update(ctx, client, port.UUID, ports.UpdateOpts{
		ports.UpdateOperation{Op: ports.ReplaceOp, Path: "/pxe_enabled", Value: pxe},
	}).Extract()
	must(err, "patch port")
	equal(pu.PXEEnabled, false, "port pxe_enabled")
	_, err = ports.Create(ctx, client, ports.CreateOpts{NodeUUID: node.UUID, Address: "not-a-mac"}).Extract()
	wantStatus(err, 400, "port with a bad MAC")
	must(ports.Delete(ctx, client, port.UUID).ExtractErr(), "delete port")
	_, err = ports.Get(ctx, client, port.UUID).Extract()
	wantStatus(err, 404, "port after delete")
	fmt.Println("ok ports")

	// Traits (gophercloud has no traits calls: the same client, raw).
	traitsURL := client.ServiceURL("nodes", node.UUID, "traits")
	_, err = client.Put(ctx, traitsURL, map[string]any{"traits": []string{"CUSTOM_GC", "HW_CPU_X86_VMX"}}, nil, &gophercloud.RequestOpts{OkCodes: []int{204}})
	must(err, "PUT traits")
	var traits struct {
		Traits []string `json:"traits"`
	}
	_, err = client.Get(ctx, traitsURL, &traits, nil)
	must(err, "GET traits")
	slices.Sort(traits.Traits)
	equal(strings.Join(traits.Traits, ","), "CUSTOM_GC,HW_CPU_X86_VMX", "traits")
	_, err = client.Delete(ctx, client.ServiceURL("nodes", node.UUID, "traits", "HW_CPU_X86_VMX"), &gophercloud.RequestOpts{OkCodes: []int{204}})
	must(err, "DELETE one trait")
	_, err = client.Put(ctx, client.ServiceURL("nodes", node.UUID, "traits", "not_custom"), nil, nil, &gophercloud.RequestOpts{OkCodes: []int{204}})
	wantStatus(err, 400, "a trait that is neither standard nor CUSTOM_")
	got, err = nodes.Get(ctx, client, node.UUID).Extract()
	must(err, "get node")
	equal(strings.Join(got.Traits, ","), "CUSTOM_GC", "node traits after delete")
	fmt.Println("ok traits")

	// manage → provide, waited for as metal3 does.
	must(nodes.ChangeProvisionState(ctx, client, node.UUID, nodes.ProvisionStateOpts{Target: nodes.TargetManage}).ExtractErr(), "manage")
	must(nodes.WaitForProvisionState(ctx, client, node.UUID, nodes.Manageable), "wait for manageable")
	must(nodes.ChangeProvisionState(ctx, client, node.UUID, nodes.ProvisionStateOpts{Target: nodes.TargetProvide}).ExtractErr(), "provide")
	must(nodes.WaitForProvisionState(ctx, client, node.UUID, nodes.Available), "wait for available")
	fmt.Println("ok provision states")

	// Allocations: by resource class and trait; the node carries it; release on delete.
	alloc, err := allocations.Create(ctx, client, allocations.CreateOpts{ResourceClass: rc, Traits: []string{"CUSTOM_GC"}, Name: "gc-alloc-" + suffix}).Extract()
	must(err, "create allocation")
	for alloc.State == "allocating" {
		time.Sleep(200 * time.Millisecond)
		alloc, err = allocations.Get(ctx, client, alloc.UUID).Extract()
		must(err, "get allocation")
	}
	equal(alloc.State, "active", "allocation state ("+alloc.LastError+")")
	equal(alloc.NodeUUID, node.UUID, "allocated node")
	got, err = nodes.Get(ctx, client, node.UUID).Extract()
	must(err, "get allocated node")
	equal(got.AllocationUUID, alloc.UUID, "node allocation_uuid")
	equal(got.InstanceUUID, alloc.UUID, "node instance_uuid")
	apage, err := allocations.List(client, allocations.ListOpts{ResourceClass: rc}).AllPages(ctx)
	must(err, "list allocations")
	alist, err := allocations.ExtractAllocations(apage)
	must(err, "extract allocations")
	if len(alist) != 1 || alist[0].UUID != alloc.UUID {
		fail("allocations of the resource class: expected only %s, got %d", alloc.UUID, len(alist))
	}
	none, err := allocations.Create(ctx, client, allocations.CreateOpts{ResourceClass: rc, Traits: []string{"CUSTOM_NOWHERE"}}).Extract()
	must(err, "create an allocation nothing matches")
	for none.State == "allocating" {
		time.Sleep(200 * time.Millisecond)
		none, err = allocations.Get(ctx, client, none.UUID).Extract()
		must(err, "get allocation")
	}
	equal(none.State, "error", "an allocation nothing matches")
	if none.LastError == "" {
		fail("a failed allocation says why: last_error is empty")
	}
	must(allocations.Delete(ctx, client, none.UUID).ExtractErr(), "delete failed allocation")
	must(allocations.Delete(ctx, client, alloc.UUID).ExtractErr(), "delete allocation")
	got, err = nodes.Get(ctx, client, node.UUID).Extract()
	must(err, "get released node")
	equal(got.AllocationUUID, "", "released: allocation_uuid")
	equal(got.InstanceUUID, "", "released: instance_uuid")
	fmt.Println("ok allocations")

	// Errors.
	_, err = nodes.Get(ctx, client, "no-such-node-"+suffix).Extract()
	wantStatus(err, 404, "unknown node")
	_, err = nodes.Create(ctx, client, nodes.CreateOpts{Driver: "no-such-driver"}).Extract()
	wantStatus(err, 400, "unknown driver")
	_, err = allocations.Create(ctx, client, allocations.CreateOpts{ResourceClass: rc, CandidateNodes: []string{"no-such-node-" + suffix}}).Extract()
	wantStatus(err, 400, "allocation with an unknown candidate node")
	future := *client
	future.Microversion = "1.200"
	_, err = nodes.Get(ctx, &future, node.UUID).Extract()
	wantStatus(err, 406, "a microversion above the maximum")
	if !strings.Contains(err.Error(), "1.200") {
		fail("the 406 names the version asked for: %v", err)
	}
	fmt.Println("ok errors")

	must(nodes.Delete(ctx, client, node.UUID).ExtractErr(), "delete node")
	_, err = nodes.Get(ctx, client, node.UUID).Extract()
	wantStatus(err, 404, "node after delete")
	fmt.Println("ok delete")
}
