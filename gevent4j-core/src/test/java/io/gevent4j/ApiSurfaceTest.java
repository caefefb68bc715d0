package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The exported API, compared with the checked-in list {@code src/test/resources/api-surface.txt}
 * (gevent's {@code test__all__}): every change to the public surface is a deliberate one. After a
 * deliberate change, regenerate the list with
 * {@code ./mvnw -pl gevent4j-core test -Dtest=ApiSurfaceTest -Dgevent4j.api.update=true}.
 */
class ApiSurfaceTest {

    @Test
    void theExportedSurfaceIsTheCheckedInOne() throws Exception {
        Path classes = Path.of(Gevent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor module;
        try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
            module = ModuleDescriptor.read(in);
        }
        TreeSet<String> lines = new TreeSet<>();
        for (ModuleDescriptor.Exports e : module.exports()) {
            assertThat(e.isQualified()).as("exports %s to everyone", e.source()).isFalse();
            Path dir = classes.resolve(e.source().replace('.', '/'));
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                    String name = e.source() + "." + f.getFileName().toString().replace(".class", "");
                    Class<?> c = Class.forName(name, false, getClass().getClassLoader());
                    if (isVisible(c)) {
                        describe(c, lines);
                    }
                }
            }
        }
        Path expected = Path.of("src/test/resources/api-surface.txt");
        String actual = String.join("\n", lines) + "\n";
        if (Boolean.getBoolean("gevent4j.api.update")) {
            Files.writeString(expected, actual, StandardCharsets.UTF_8);
        }
        assertThat(actual)
                .as("the exported API changed; if on purpose, regenerate %s (see this test's Javadoc)", expected)
                .isEqualTo(Files.exists(expected) ? Files.readString(expected, StandardCharsets.UTF_8) : "");
    }

    private static boolean isVisible(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
            if (!Modifier.isPublic(k.getModifiers()) || k.isAnonymousClass() || k.isSynthetic()) {
                return false;
            }
        }
        return true;
    }

    private static void describe(Class<?> c, TreeSet<String> lines) {
        String type = c.getName();
        lines.add(type + " " + kind(c) + extendsClause(c));
        for (Field f : c.getDeclaredFields()) {
            if (Modifier.isPublic(f.getModifiers()) && !f.isSynthetic()) {
                lines.add(type + "#" + f.getName() + " : " + f.getGenericType().getTypeName()
                        + (Modifier.isStatic(f.getModifiers()) ? " static" : ""));
            }
        }
        List<Executable> members = new ArrayList<>();
        members.addAll(Arrays.asList(c.getDeclaredConstructors()));
        members.addAll(Arrays.asList(c.getDeclaredMethods()));
        for (Executable m : members) {
            int mod = m.getModifiers();
            boolean visible = Modifier.isPublic(mod) || (Modifier.isProtected(mod) && !Modifier.isFinal(c.getModifiers()));
            if (!visible || m.isSynthetic() || (m instanceof Method mm && mm.isBridge())) {
                continue;
            }
            String params = Arrays.stream(m.getGenericParameterTypes()).map(t -> t.getTypeName()).collect(Collectors.joining(", "));
            String ret = m instanceof Method mm ? " : " + mm.getGenericReturnType().getTypeName() : "";
            String name = m instanceof Constructor<?> ? "<init>" : m.getName();
            lines.add(type + "#" + name + "(" + params + ")" + ret + (Modifier.isStatic(mod) ? " static" : ""));
        }
    }

    private static String kind(Class<?> c) {
        if (c.isRecord()) {
            return "record";
        }
        if (c.isEnum()) {
            return "enum";
        }
        if (c.isAnnotation()) {
            return "@interface";
        }
        if (c.isInterface()) {
            return "interface";
        }
        return (Modifier.isFinal(c.getModifiers()) ? "final " : Modifier.isAbstract(c.getModifiers()) ? "abstract " : "") + "class";
    }

    private static String extendsClause(Class<?> c) {
        List<String> parts = new ArrayList<>();
        if (c.getGenericSuperclass() != null && c.getSuperclass() != Object.class && !c.isEnum() && !c.isRecord()) {
            parts.add("extends " + c.getGenericSuperclass().getTypeName());
        }
        if (c.getGenericInterfaces().length > 0) {
            parts.add("implements " + Arrays.stream(c.getGenericInterfaces()).map(t -> t.getTypeName()).collect(Collectors.joining(", ")));
        }
        return parts.isEmpty() ? "" : " " + String.join(" ", parts);
    }
}
