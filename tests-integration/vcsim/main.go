// Command vcsim serves govmomi's vCenter simulator (a real vSphere SOAP API over HTTP) on a
// loopback address, sized by flags, for Switchplane's integration tests and bench. Debian ships
// the simulator package but no vcsim command; this is the small main around it.
package main

import (
	"crypto/tls"
	"encoding/binary"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"net"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "host:port to serve on (port 0: any free port)")
	portFile := flag.String("port-file", "", "file to write the chosen port to, once serving")
	user := flag.String("user", "user", "the only user name accepted")
	pass := flag.String("password", "pass", "the only password accepted")
	clusters := flag.Int("clusters", 1, "clusters in the datacenter")
	hosts := flag.Int("hosts", 3, "hosts per cluster")
	vmsPerHost := flag.Int("vms-per-host", 1, "VMs per cluster host (placed by the simulator within the cluster)")
	standalone := flag.Int("standalone-hosts", 1, "standalone hosts, each with vms-per-host VMs")
	portgroups := flag.Int("portgroups", 1, "distributed port groups on the DVS (VM NICs use the first)")
	useTLS := flag.Bool("tls", false, "serve https with the simulator's built-in certificate (for 127.0.0.1)")
	certFile := flag.String("cert-file", "", "with -tls: file to write the server certificate to (PEM)")
	idle := flag.Duration("session-idle-timeout", 0, "expire sessions idle that long (0: never)")
	guestIPs := flag.String("guest-ips", "", "IPv4 address: VMware Tools of the model's VM i (i from 1) report this address plus i on the VM's first NIC")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)

	m := simulator.VPX()
	m.Cluster = *clusters
	m.ClusterHost = *hosts
	m.Host = *standalone
	m.Portgroup = *portgroups
	// Model.Machine counts VMs per resource pool: one pool per cluster and per standalone host.
	m.Machine = *vmsPerHost * *hosts
	if *standalone > 0 && *hosts == 0 {
		m.Machine = *vmsPerHost
	}
	// yavijava 6.0 maps the ServiceContent onto its own (older) classes and fails on login on
	// fields it does not know (NoSuchFieldException: vStorageObjectManager): hide them.
	m.ServiceContent.VStorageObjectManager = nil
	m.ServiceContent.HostSpecManager = nil
	m.ServiceContent.CryptoManager = nil
	m.ServiceContent.HealthUpdateManager = nil
	m.ServiceContent.FailoverClusterConfigurator = nil
	m.ServiceContent.FailoverClusterManager = nil
	simulator.SessionIdleTimeout = *idle

	started := time.Now()
	if err := m.Create(); err != nil {
		log.Fatalf("vcsim: creating the model: %v", err)
	}
	defer m.Remove()
	fixModelNics()
	if *guestIPs != "" {
		if err := setGuestIPs(*guestIPs); err != nil {
			log.Fatalf("vcsim: -guest-ips: %v", err)
		}
	}
	m.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*user, *pass)}
	if *useTLS {
		m.Service.TLS = new(tls.Config)
	}
	// Before serving, so before any client can change the model.
	hidden := newHiddenChanges()
	hidden.scan()
	s := m.Service.NewServer()
	defer s.Close()
	if *useTLS && *certFile != "" {
		block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
		if err := os.WriteFile(*certFile, block, 0o644); err != nil {
			log.Fatalf("vcsim: writing %s: %v", *certFile, err)
		}
	}

	go hidden.follow(100 * time.Millisecond)

	port := s.Listener.Addr().String()
	if *portFile != "" {
		_, p, _ := splitPort(port)
		tmp := *portFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(p+"\n"), 0o644); err != nil {
			log.Fatalf("vcsim: writing %s: %v", tmp, err)
		}
		// Renamed so that a reader never sees a half-written port.
		if err := os.Rename(tmp, *portFile); err != nil {
			log.Fatalf("vcsim: renaming to %s: %v", *portFile, err)
		}
	}
	fmt.Printf("vcsim serving %s on %s (%d hosts, %d VMs, model built in %s)\n", s.URL.Scheme, port,
		*clusters**hosts+*standalone, m.Machine*(*clusters+*standalone), time.Since(started).Round(time.Millisecond))

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}

// fixModelNics gives every VM of the model a NIC of its own, as a real vCenter has. govmomi
// 0.24's Model.Create hands all its VMs one shared ethernet card object, so they all show the
// same MAC address, and that card says connected=false although the VMs run with it.
func fixModelNics() {
	for i, e := range simulator.Map.All("VirtualMachine") {
		vm := e.(*simulator.VirtualMachine)
		devices := vm.Config.Hardware.Device
		for j, d := range devices {
			card, ok := d.(*types.VirtualE1000)
			if !ok {
				continue
			}
			c := *card
			c.MacAddress = fmt.Sprintf("00:50:56:%02x:%02x:%02x", ((i+1)>>16)&0xff, ((i+1)>>8)&0xff, (i+1)&0xff)
			connected := vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn
			c.Connectable = &types.VirtualDeviceConnectInfo{StartConnected: true, AllowGuestControl: true,
				Connected: connected, Status: "ok"}
			devices[j] = &c
			// The guest's view of the card (VMware Tools' guest.net) names it by the same MAC.
			for k := range vm.Guest.Net {
				if vm.Guest.Net[k].DeviceConfigId == c.Key {
					vm.Guest.Net[k].MacAddress = c.MacAddress
				}
			}
		}
	}
}

// setGuestIPs makes VMware Tools of the model's VMs report an address on their first NIC, as
// a guest with a configured address does: VM i (in the model's order, from 1) gets base + i.
// Before serving, so no property collector needs to hear of it. Addresses set later go through
// the API (ReconfigVM_Task with extraConfig "SET.guest.ipAddress").
func setGuestIPs(base string) error {
	ip := net.ParseIP(base).To4()
	if ip == nil {
		return fmt.Errorf("%q is not an IPv4 address", base)
	}
	start := binary.BigEndian.Uint32(ip)
	for i, e := range simulator.Map.All("VirtualMachine") {
		vm := e.(*simulator.VirtualMachine)
		if len(vm.Guest.Net) == 0 {
			continue
		}
		a := make(net.IP, 4)
		binary.BigEndian.PutUint32(a, start+uint32(i+1))
		vm.Guest.Net[0].IpAddress = []string{a.String()}
		vm.Guest.IpAddress = a.String()
	}
	return nil
}

// hiddenChanges makes two kinds of changes visible to property collectors, as on a real
// vCenter. govmomi 0.24's ReconfigureDVPortgroup_Task and Enter/ExitMaintenanceMode_Task assign
// the new value without telling the property collector (other methods call Map.Update), so a
// client following config.defaultPortConfig or runtime.inMaintenanceMode through
// WaitForUpdatesEx would never hear of a VLAN change or a host entering maintenance. It watches
// those values and reports a change the way the other methods do.
//
// Likewise a host added after start (AddHost_Task, AddStandaloneHost_Task) is registered before
// it is linked under its cluster, so no container view ever takes it in: registering it again
// once linked (the first scan after it shows up at which its compute resource is registered)
// lets the views see it.
//
// The first scan must run before any client can connect (main runs it before serving): a host
// it sees counts as there from the start, so a host added before it ran would never be
// registered again.
type hiddenChanges struct {
	vlans       map[string]types.BaseDVPortSetting
	maintenance map[string]bool
	scanned     bool            // the first scan, of the model as built, is done
	added       map[string]bool // hosts seen once, registered again on a later scan
}

func newHiddenChanges() *hiddenChanges {
	return &hiddenChanges{
		vlans:       map[string]types.BaseDVPortSetting{},
		maintenance: map[string]bool{},
		added:       map[string]bool{},
	}
}

func (w *hiddenChanges) follow(every time.Duration) {
	for range time.Tick(every) {
		w.scan()
	}
}

func (w *hiddenChanges) scan() {
	for _, e := range simulator.Map.All("DistributedVirtualPortgroup") {
		pg, ok := e.(*simulator.DistributedVirtualPortgroup)
		if !ok {
			continue
		}
		simulator.Map.WithLock(pg, func() {
			last, known := w.vlans[pg.Self.Value]
			w.vlans[pg.Self.Value] = pg.Config.DefaultPortConfig
			if known && last != pg.Config.DefaultPortConfig {
				simulator.Map.Update(pg, []types.PropertyChange{
					{Name: "config.defaultPortConfig", Val: pg.Config.DefaultPortConfig},
				})
			}
		})
	}
	for _, e := range simulator.Map.All("HostSystem") {
		h, ok := e.(*simulator.HostSystem)
		if !ok {
			continue
		}
		w.registerAdded(h)
		simulator.Map.WithLock(h, func() {
			last, known := w.maintenance[h.Self.Value]
			w.maintenance[h.Self.Value] = h.Runtime.InMaintenanceMode
			if known && last != h.Runtime.InMaintenanceMode {
				simulator.Map.Update(h, []types.PropertyChange{
					{Name: "runtime.inMaintenanceMode", Val: h.Runtime.InMaintenanceMode},
				})
			}
		})
	}
	w.scanned = true
}

func (w *hiddenChanges) registerAdded(h *simulator.HostSystem) {
	id := h.Self.Value
	if w.added[id] {
		// Only once its compute resource is registered: under load the adding task can still be
		// between registering the host and linking its parent at the next scan.
		if h.Parent != nil && h.Parent.Value != "" && simulator.Map.Get(*h.Parent) != nil {
			delete(w.added, id)
			simulator.Map.Put(h)
		}
	} else if _, known := w.maintenance[id]; !known && w.scanned {
		w.added[id] = true
	}
}

func splitPort(hostport string) (string, string, error) {
	u, err := url.Parse("//" + hostport)
	if err != nil {
		return "", "", err
	}
	return u.Hostname(), u.Port(), nil
}
