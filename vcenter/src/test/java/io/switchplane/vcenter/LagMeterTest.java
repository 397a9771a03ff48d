package io.switchplane.vcenter;

import static io.switchplane.vcenter.VsphereData.mor;
import static org.assertj.core.api.Assertions.assertThat;

import com.vmware.vim25.ArrayOfEvent;
import com.vmware.vim25.Event;
import com.vmware.vim25.VmEventArgument;
import com.vmware.vim25.VmPoweredOffEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.GregorianCalendar;
import java.util.Set;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;

class LagMeterTest {
  private static final Instant T = Instant.parse("2026-12-03T10:00:00Z");

  private static Event powerOff(int key, String vm, Instant vcenterTime) {
    VmPoweredOffEvent e = new VmPoweredOffEvent();
    e.setKey(key);
    GregorianCalendar c = new GregorianCalendar(TimeZone.getTimeZone("UTC"));
    c.setTimeInMillis(vcenterTime.toEpochMilli());
    e.setCreatedTime(c);
    VmEventArgument arg = new VmEventArgument();
    arg.setVm(mor("VirtualMachine", vm));
    e.setVm(arg);
    return e;
  }

  private static ArrayOfEvent page(Event... events) {
    ArrayOfEvent a = new ArrayOfEvent();
    a.setEvent(events);
    return a;
  }

  @Test
  void lagFromTheEventToTheChangeCorrectedByTheClockOffset() {
    LagMeter meter = new LagMeter();
    // vCenter's clock runs 5 s ahead of ours.
    meter.reset(Duration.ofSeconds(5));
    meter.events(page(powerOff(1, "vm-1", T.minusSeconds(60))));
    meter.events(
        page(powerOff(2, "vm-1", T.plusSeconds(5)), powerOff(1, "vm-1", T.minusSeconds(60))));
    assertThat(meter.changed(Set.of("vm-2"), T.plusMillis(300))).isNull();
    assertThat(meter.changed(Set.of("vm-1", "vm-2"), T.plusMillis(300)))
        .isEqualTo(Duration.ofMillis(300));
    // Consumed: the same change is not measured twice.
    assertThat(meter.changed(Set.of("vm-1"), T.plusMillis(900))).isNull();
  }

  @Test
  void theFirstPageIsHistory() {
    LagMeter meter = new LagMeter();
    meter.reset(Duration.ZERO);
    meter.events(page(powerOff(7, "vm-1", T)));
    assertThat(meter.changed(Set.of("vm-1"), T.plusSeconds(1))).isNull();
  }

  @Test
  void anEmptyFirstPageStillEndsTheHistory() {
    LagMeter meter = new LagMeter();
    meter.reset(Duration.ZERO);
    meter.events(page());
    meter.events(page(powerOff(1, "vm-1", T)));
    assertThat(meter.changed(Set.of("vm-1"), T.plusMillis(250))).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void eventsWhoseChangeNeverShowsAreForgotten() {
    LagMeter meter = new LagMeter();
    meter.reset(Duration.ZERO);
    meter.events(page());
    meter.events(page(powerOff(1, "vm-1", T)));
    assertThat(meter.changed(Set.of("vm-9"), T.plus(LagMeter.FORGET).plusSeconds(1))).isNull();
    assertThat(meter.changed(Set.of("vm-1"), T.plus(LagMeter.FORGET).plusSeconds(2))).isNull();
  }

  @Test
  void aChangeAppliedBeforeItsEventArrivesIsMeasuredWhenTheEventComes() {
    LagMeter meter = new LagMeter();
    meter.reset(Duration.ZERO);
    meter.events(page());
    // The VM's change comes through one property collector, its event through another, later.
    assertThat(meter.changed(Set.of("vm-1"), T.plusMillis(400))).isNull();
    assertThat(meter.events(page(powerOff(1, "vm-1", T)))).isEqualTo(Duration.ofMillis(400));
    // Consumed: the next change of vm-1 is not dated by that event.
    assertThat(meter.changed(Set.of("vm-1"), T.plusSeconds(5))).isNull();
  }

  @Test
  void aChangeAppliedBeforeTheEventHappenedIsNotItsChange() {
    LagMeter meter = new LagMeter();
    meter.reset(Duration.ZERO);
    meter.events(page());
    assertThat(meter.changed(Set.of("vm-1"), T.minusMillis(100))).isNull();
    assertThat(meter.events(page(powerOff(1, "vm-1", T)))).isNull();
    assertThat(meter.changed(Set.of("vm-1"), T.plusMillis(300))).isEqualTo(Duration.ofMillis(300));
  }
}
