package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The exported API, compared with the checked-in list {@code src/test/resources/api-surface.txt}
 * (gevent's {@code test__all__}): every change to the public surface is a deliberate one. After a
 * deliberate change, regenerate the list with
 * {@code ./mvnw -pl gevent4j-core test -Dtest=ApiSurfaceTest -Dgevent4j.api.update=true}.
 *
 * <p>A type's members include those it inherits from the library's own classes and interfaces
 * (marked {@code inherited from}); what it inherits from the JDK follows from its
 * {@code extends}/{@code implements} line. A second test fails on any type of the library that
 * is not exported (an unexported package, or a class that is not public) appearing in a public
 * or protected signature, a supertype or an interface of an exported type: such a type leaks
 * machinery into the API (as {@code Hub.Scheduled} once did by extending the internal timer,
 * which made it a public {@code Runnable}).
 */
class ApiSurfaceTest {

    private static Path classes() throws Exception {
        return Path.of(Gevent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static ModuleDescriptor module() throws Exception {
        try (InputStream in = Files.newInputStream(classes().resolve("module-info.class"))) {
            return ModuleDescriptor.read(in);
        }
    }

    /** Every public class (top-level or nested in public classes) of the exported packages. */
    private List<Class<?>> exportedTypes() throws Exception {
        List<Class<?>> out = new ArrayList<>();
        for (ModuleDescriptor.Exports e : module().exports()) {
            assertThat(e.isQualified()).as("exports %s to everyone", e.source()).isFalse();
            Path dir = classes().resolve(e.source().replace('.', '/'));
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                    String name = e.source() + "." + f.getFileName().toString().replace(".class", "");
                    Class<?> c = Class.forName(name, false, getClass().getClassLoader());
                    if (isVisible(c)) {
                        out.add(c);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void noExportedTypeExposesAnUnexportedOne() throws Exception {
        Set<String> exported = new HashSet<>();
        for (ModuleDescriptor.Exports e : module().exports()) {
            exported.add(e.source());
        }
        TreeSet<String> leaks = new TreeSet<>();
        for (Class<?> c : exportedTypes()) {
            for (Class<?> s = c.getSuperclass(); s != null; s = s.getSuperclass()) {
                checkType(c.getName() + " extends", s, exported, leaks);
            }
            for (Class<?> i : allInterfaces(c)) {
                checkType(c.getName() + " implements", i, exported, leaks);
            }
            checkType(c.getName() + " extends", c.getGenericSuperclass(), exported, leaks);
            for (Type i : c.getGenericInterfaces()) {
                checkType(c.getName() + " implements", i, exported, leaks);
            }
            for (Field f : c.getFields()) {
                checkType(c.getName() + "#" + f.getName(), f.getGenericType(), exported, leaks);
            }
            for (Executable m : apiMembers(c)) {
                String where = c.getName() + "#" + m.getName();
                for (Type t : m.getGenericParameterTypes()) {
                    checkType(where + " parameter", t, exported, leaks);
                }
                for (Type t : m.getGenericExceptionTypes()) {
                    checkType(where + " throws", t, exported, leaks);
                }
                if (m instanceof Method mm) {
                    checkType(where + " returns", mm.getGenericReturnType(), exported, leaks);
                }
            }
        }
        assertThat(leaks).as("types of the library that are not exported, seen in the exported API").isEmpty();
    }

    /** Public members (declared or inherited) and, in a class open to extension, protected ones. */
    private static List<Executable> apiMembers(Class<?> c) {
        List<Executable> out = new ArrayList<>(Arrays.asList(c.getConstructors()));
        out.addAll(Arrays.asList(c.getMethods()));
        if (!Modifier.isFinal(c.getModifiers())) {
            for (Class<?> k = c; k != null; k = k.getSuperclass()) {
                for (Executable m : k.getDeclaredMethods()) {
                    if (Modifier.isProtected(m.getModifiers())) {
                        out.add(m);
                    }
                }
            }
            for (Executable m : c.getDeclaredConstructors()) {
                if (Modifier.isProtected(m.getModifiers())) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    private static Set<Class<?>> allInterfaces(Class<?> c) {
        Set<Class<?>> out = new HashSet<>();
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            for (Class<?> i : k.getInterfaces()) {
                addWithSupers(i, out);
            }
        }
        return out;
    }

    private static void addWithSupers(Class<?> i, Set<Class<?>> out) {
        if (out.add(i)) {
            for (Class<?> s : i.getInterfaces()) {
                addWithSupers(s, out);
            }
        }
    }

    private static void checkType(String where, Type t, Set<String> exported, Set<String> leaks) {
        checkType(where, t, exported, leaks, new HashSet<>());
    }

    private static void checkType(String where, Type t, Set<String> exported, Set<String> leaks, Set<Type> seen) {
        if (t == null || !seen.add(t)) {
            return;
        }
        switch (t) {
            case Class<?> k -> {
                while (k.isArray()) {
                    k = k.getComponentType();
                }
                if (k.getPackageName().startsWith("io.gevent4j")
                        && (!exported.contains(k.getPackageName()) || !isVisible(k))) {
                    leaks.add(where + ": " + k.getName());
                }
            }
            case ParameterizedType p -> {
                checkType(where, p.getRawType(), exported, leaks, seen);
                checkType(where, p.getOwnerType(), exported, leaks, seen);
                for (Type a : p.getActualTypeArguments()) {
                    checkType(where, a, exported, leaks, seen);
                }
            }
            case WildcardType w -> {
                for (Type b : w.getUpperBounds()) {
                    checkType(where, b, exported, leaks, seen);
                }
                for (Type b : w.getLowerBounds()) {
                    checkType(where, b, exported, leaks, seen);
                }
            }
            case TypeVariable<?> v -> {
                for (Type b : v.getBounds()) {
                    checkType(where, b, exported, leaks, seen);
                }
            }
            case GenericArrayType a -> checkType(where, a.getGenericComponentType(), exported, leaks, seen);
            default -> { }
        }
    }

    @Test
    void theExportedSurfaceIsTheCheckedInOne() throws Exception {
        TreeSet<String> lines = new TreeSet<>();
        for (Class<?> c : exportedTypes()) {
            describe(c, lines);
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
        describeInherited(c, lines);
    }

    /**
     * The public (and, in a class open to extension, protected) members that {@code c} inherits
     * from the library's own supertypes: a member of a supertype is part of the type's API even if
     * that supertype is not exported (that is how a leak shows here).
     */
    private static void describeInherited(Class<?> c, TreeSet<String> lines) {
        List<Member> inherited = new ArrayList<>();
        inherited.addAll(Arrays.asList(c.getFields()));
        inherited.addAll(Arrays.asList(c.getMethods()));
        if (!Modifier.isFinal(c.getModifiers())) {
            for (Class<?> k = c.getSuperclass(); k != null; k = k.getSuperclass()) {
                for (Method m : k.getDeclaredMethods()) {
                    if (Modifier.isProtected(m.getModifiers())) {
                        inherited.add(m);
                    }
                }
            }
        }
        for (Member m : inherited) {
            Class<?> from = m.getDeclaringClass();
            if (from == c || !from.getPackageName().startsWith("io.gevent4j") || m.isSynthetic()
                    || (m instanceof Method mm && mm.isBridge())) {
                continue;
            }
            String suffix = (Modifier.isStatic(m.getModifiers()) ? " static" : "") + " inherited from " + from.getName();
            if (m instanceof Field f) {
                lines.add(c.getName() + "#" + f.getName() + " : " + f.getGenericType().getTypeName() + suffix);
            } else if (m instanceof Method mm) {
                if (overriddenInC(c, mm)) {
                    continue;
                }
                String params = Arrays.stream(mm.getGenericParameterTypes()).map(Type::getTypeName).collect(Collectors.joining(", "));
                lines.add(c.getName() + "#" + mm.getName() + "(" + params + ") : " + mm.getGenericReturnType().getTypeName() + suffix);
            }
        }
    }

    private static boolean overriddenInC(Class<?> c, Method m) {
        try {
            c.getDeclaredMethod(m.getName(), m.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
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
