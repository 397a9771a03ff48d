package io.switchplane.cli.ops;

import com.google.protobuf.ByteString;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.EntityKind;
import io.switchplane.api.v1.EntityRef;
import io.switchplane.api.v1.GetPropertiesRequest;
import io.switchplane.api.v1.GetPropertiesResponse;
import io.switchplane.api.v1.GetPublishedRequest;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.PropertyChange;
import io.switchplane.api.v1.PropertyDelete;
import io.switchplane.api.v1.PropertyKeyRequest;
import io.switchplane.api.v1.PropertyUnset;
import io.switchplane.api.v1.PropertyValue;
import io.switchplane.api.v1.PropertyWriteResponse;
import io.switchplane.api.v1.PublishedProperty;
import io.switchplane.api.v1.SetPropertyRequest;
import io.switchplane.cli.output.Describe;
import io.switchplane.cli.output.Table;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.properties.Entity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * `switchplane prop`: opaque properties on a DVS, port group, port or host, and what host modules
 * publish.
 */
@Command(
    name = "prop",
    mixinStandardHelpOptions = true,
    description = {
      "Set, unset and read opaque properties. "
          + "ENTITY is DVS, DVS/pg/PORTGROUP, DVS/port/KEY or DVS/host/HOST (names or ids). Ports inherit a key from their",
      "port group, which inherits it from the DVS; 'unset' stops that inheritance at a level, 'delete' removes the entry."
    },
    subcommands = {
      PropCommand.Set.class,
      PropCommand.Unset.class,
      PropCommand.Delete.class,
      PropCommand.Get.class,
      PropCommand.Published.class,
      PropCommand.Watch.class
    })
public final class PropCommand {
  private PropCommand() {}

  /** The entity argument, split into the DVS and the entity. */
  record Target(String dvs, EntityRef entity) {
    static Target parse(String text) {
      String[] parts = text.split("/", 3);
      if (parts[0].isEmpty()) {
        throw SwitchplaneException.invalid(
            "ENTITY '%s' names no DVS; give DVS, DVS/pg/PG, DVS/port/KEY or DVS/host/HOST", text);
      }
      if (parts.length == 1) {
        return new Target(
            parts[0], EntityRef.newBuilder().setKind(EntityKind.ENTITY_KIND_DVS).build());
      }
      if (parts.length != 3 || parts[2].isEmpty()) {
        throw SwitchplaneException.invalid(
            "ENTITY '%s': give DVS, DVS/pg/PG, DVS/port/KEY or DVS/host/HOST", text);
      }
      EntityKind kind =
          switch (parts[1]) {
            case "pg", "portgroup" -> EntityKind.ENTITY_KIND_PORT_GROUP;
            case "port" -> EntityKind.ENTITY_KIND_PORT;
            case "host" -> EntityKind.ENTITY_KIND_HOST;
            default ->
                throw SwitchplaneException.invalid(
                    "ENTITY '%s': '%s' is not pg, port or host", text, parts[1]);
          };
      return new Target(parts[0], EntityRef.newBuilder().setKind(kind).setId(parts[2]).build());
    }
  }

  /** ENTITY, --namespace and --key, shared by the verbs. */
  static final class KeyOptions {
    @Parameters(
        index = "0",
        paramLabel = "ENTITY",
        description = "DVS, DVS/pg/PG, DVS/port/KEY or DVS/host/HOST.")
    String entity;

    @Option(
        names = {"-n", "--namespace"},
        required = true,
        description = "A registered namespace.")
    String namespace;

    @Option(
        names = {"-k", "--key"},
        required = true,
        description = "The key.")
    String key;

    @Mixin WriteOptions write;

    PropertyKeyRequest request() {
      Target t = Target.parse(entity);
      return PropertyKeyRequest.newBuilder()
          .setDvs(t.dvs())
          .setEntity(t.entity())
          .setNamespace(namespace)
          .setKey(key)
          .setExpectedGeneration(write.expected(0))
          .build();
    }

    /**
     * With --dry-run: previews the property change the verb would make (action set on it) and says
     * so.
     */
    boolean previewed(
        ManagerCommand c, ManagerServiceBlockingStub manager, PropertyChange.Builder change) {
      Target t = Target.parse(entity);
      change.setEntity(t.entity()).setNamespace(namespace).setKey(key);
      return write.previewed(
          c, manager, t.dvs(), ChangeOp.newBuilder().setProperty(change).build(), 0);
    }
  }

  /** What a write prints. */
  static int written(ManagerCommand c, String what, PropertyWriteResponse r) {
    if (!c.printedAsData(r)) {
      System.out.println(
          r.getUnchanged()
              ? WriteOptions.nothingToChange(what, r.getGeneration())
              : what
                  + ": generation "
                  + r.getGeneration()
                  + ", "
                  + r.getHostsAffected()
                  + " host(s) to push");
    }
    return 0;
  }

  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      description = "Set a value (at most 64 KiB) on an entity.")
  static final class Set extends ManagerCommand {
    @Mixin KeyOptions k;

    static final class Value {
      @Option(names = "--value", paramLabel = "STRING", description = "The value, as UTF-8 text.")
      String text;

      @Option(
          names = "--value-file",
          paramLabel = "FILE",
          description = "The value: the file's bytes, as they are.")
      Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Value value;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      PropertyKeyRequest base = k.request();
      ByteString bytes;
      try {
        bytes =
            value.file != null
                ? ByteString.copyFrom(Files.readAllBytes(value.file))
                : ByteString.copyFromUtf8(value.text);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + value.file + ": " + e.getMessage(), e);
      }
      if (k.previewed(this, manager, PropertyChange.newBuilder().setSetValue(bytes))) {
        return 0;
      }
      PropertyWriteResponse r =
          properties()
              .setProperty(
                  SetPropertyRequest.newBuilder()
                      .setDvs(base.getDvs())
                      .setEntity(base.getEntity())
                      .setNamespace(base.getNamespace())
                      .setKey(base.getKey())
                      .setValue(bytes)
                      .setExpectedGeneration(base.getExpectedGeneration())
                      .build());
      return written(
          this,
          "set " + k.namespace + "/" + k.key + " (" + bytes.size() + " bytes) on " + k.entity,
          r);
    }
  }

  @Command(
      name = "unset",
      mixinStandardHelpOptions = true,
      description = {
        "Mark a key unset on an entity: it does not " + "inherit the value from above."
      })
  static final class Unset extends ManagerCommand {
    @Mixin KeyOptions k;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      if (k.previewed(
          this,
          manager,
          PropertyChange.newBuilder().setUnset(PropertyUnset.getDefaultInstance()))) {
        return 0;
      }
      return written(
          this,
          "unset " + k.namespace + "/" + k.key + " on " + k.entity,
          properties().unsetProperty(k.request()));
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = {
        "Remove an entity's entry for a key (value or "
            + "unset marker); the entity inherits again."
      })
  static final class Delete extends ManagerCommand {
    @Mixin KeyOptions k;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      if (k.previewed(
          this,
          manager,
          PropertyChange.newBuilder().setDelete(PropertyDelete.getDefaultInstance()))) {
        return 0;
      }
      return written(
          this,
          "deleted " + k.namespace + "/" + k.key + " on " + k.entity,
          properties().deleteProperty(k.request()));
    }
  }

  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      description = {
        "Show an entity's properties as set at its "
            + "level, or with --effective as its modules see them after inheritance."
      })
  static final class Get extends ManagerCommand {
    @Parameters(
        index = "0",
        paramLabel = "ENTITY",
        description = "DVS, DVS/pg/PG, DVS/port/KEY or DVS/host/HOST.")
    String entity;

    @Option(
        names = {"-n", "--namespace"},
        description = "Only this namespace.")
    String namespace = "";

    @Option(
        names = {"-k", "--key"},
        description = "Only this key.")
    String key = "";

    @Option(names = "--effective", description = "Resolve inheritance (port <- port group <- DVS).")
    boolean effective;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      Target t = Target.parse(entity);
      GetPropertiesResponse r =
          properties()
              .getProperties(
                  GetPropertiesRequest.newBuilder()
                      .setDvs(t.dvs())
                      .setEntity(t.entity())
                      .setNamespace(namespace)
                      .setKey(key)
                      .setEffective(effective)
                      .build());
      if (printedAsData(r)) {
        return 0;
      }
      Table table = new Table("NAMESPACE", "KEY", "VALUE", effective ? "FROM" : "STATE");
      for (PropertyValue v : r.getValuesList()) {
        table.row(
            v.getNamespace(),
            v.getKey(),
            v.getUnset() ? "-" : show(v.getValue()),
            effective
                ? level(v.getFromLevel())
                : v.getUnset() ? "unset (blocks inheritance)" : "set");
      }
      print(table);
      return 0;
    }
  }

  /** The options of published/watch. */
  static final class PublishedOptions {
    @Option(names = "--dvs", required = true, description = "The DVS (name or id).")
    String dvs;

    @Option(names = "--host", required = true, description = "The host (name or id).")
    String host;

    @Option(
        names = {"-n", "--namespace"},
        description = "Only this namespace.")
    String namespace = "";

    GetPublishedRequest request() {
      return GetPublishedRequest.newBuilder()
          .setDvs(dvs)
          .setHost(host)
          .setNamespace(namespace)
          .build();
    }
  }

  @Command(
      name = "published",
      mixinStandardHelpOptions = true,
      description = "Show what a host's modules published.")
  static final class Published extends ManagerCommand {
    @Mixin PublishedOptions o;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      var r = properties().getPublished(o.request());
      if (printedAsData(r)) {
        return 0;
      }
      Table table = new Table("NAMESPACE", "ENTITY", "KEY", "VALUE", "KIND", "WHEN");
      for (PublishedProperty p : r.getValuesList()) {
        table.row(
            p.getNamespace(),
            entity(p),
            p.getKey(),
            show(p.getValue()),
            p.getPersistent() ? "persistent" : "runtime",
            Describe.time(p.getUnixMs()));
      }
      print(table);
      return 0;
    }
  }

  @Command(
      name = "watch",
      mixinStandardHelpOptions = true,
      description = {
        "Print what a host's modules publish: what "
            + "they have now, then each new value, until Ctrl-C."
      })
  static final class Watch extends ManagerCommand {
    @Mixin PublishedOptions o;

    @Override
    protected int run(ManagerServiceBlockingStub manager) {
      Iterator<PublishedProperty> it =
          io.switchplane.api.v1.PropertyServiceGrpc.newBlockingStub(properties().getChannel())
              .watchPublished(o.request());
      while (it.hasNext()) {
        PublishedProperty p = it.next();
        System.out.println(
            data()
                ? renderStreamed(p)
                : String.format(
                    "%s %s %s %s=%s",
                    Describe.time(p.getUnixMs()),
                    p.getNamespace(),
                    entity(p),
                    p.getKey(),
                    show(p.getValue())));
      }
      return 0;
    }
  }

  private static String entity(PublishedProperty p) {
    return Entity.label(p.getEntity().getKind()) + " " + p.getEntity().getId();
  }

  private static String level(EntityKind kind) {
    return Entity.label(kind).toLowerCase(Locale.ROOT).equals("dvs") ? "DVS" : Entity.label(kind);
  }

  /** UTF-8 text as it is; anything else as hex, so that a table never prints raw bytes. */
  static String show(ByteString v) {
    try {
      String s = StandardCharsets.UTF_8.newDecoder().decode(v.asReadOnlyByteBuffer()).toString();
      if (s.chars().noneMatch(c -> c < 0x20 && c != '\t')) {
        return s.length() > 60 ? s.substring(0, 60) + "... (" + v.size() + " bytes)" : s;
      }
    } catch (CharacterCodingException e) {
      // not text: shown as hex below
    }
    String hex =
        java.util.HexFormat.of().formatHex(v.substring(0, Math.min(24, v.size())).toByteArray());
    return "0x" + hex + (v.size() > 24 ? "... (" + v.size() + " bytes)" : "");
  }
}
