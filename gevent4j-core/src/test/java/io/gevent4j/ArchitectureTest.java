package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.FieldModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.InnerClassInfo;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.AccessFlag;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The whiteboard of {@code docs/architecture-rules.txt}, checked against the compiled core: the
 * package graph is built from the constant pool of every class in {@code target/classes} (what
 * a class names, in its code, its signatures and its annotations), and the test fails on
 * <ol>
 *   <li>a package that belongs to no part of the map,
 *   <li>a package cycle,
 *   <li>an arrow the rule file forbids ({@code never A -> B}),
 *   <li>an exported type that names a type outside the API (non-public, or in a package that is
 *       not exported) as a supertype or in the signature of a public or protected member,
 * </ol>
 * each except where the rule file lists it as a {@code known} violation; a {@code known} line
 * that no longer matches the code fails too, so the file only ever shrinks to the truth. The
 * failure names the classes that make each arrow.
 *
 * <p>It also writes the package graph to {@code target/package-graph.txt} (one {@code A -> B} per
 * line, sorted) and, with the classes behind each arrow, to {@code target/package-graph-classes.txt},
 * so two builds are compared with {@code diff}. Run it alone with
 * {@code ./mvnw -B -q -pl gevent4j-core test -Dtest=ArchitectureTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ArchitectureTest {

    private static final Path RULES = Path.of("../docs/architecture-rules.txt");
    private static final String ROOT = "io.gevent4j";
    /** A class named in a descriptor or signature: {@code Lio/gevent4j/x/Y;} or {@code Lio/gevent4j/x/Y<}. */
    private static final Pattern NAMED = Pattern.compile("L(io/gevent4j/[A-Za-z0-9_/$]+)[;<.]");

    @Test
    void theCodeKeepsTheWhiteboardsRules() throws Exception {
        Path classes = Path.of(Gevent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Rules rules = Rules.read(RULES, exportedPackages(classes));
        Map<String, ClassModel> models = readClasses(classes);

        // package -> package -> the class arrows behind it ("a.B -> c.D")
        Map<String, Map<String, SortedSet<String>>> graph = new TreeMap<>();
        for (ClassModel model : models.values()) {
            String from = className(model.thisClass().asInternalName());
            graph.computeIfAbsent(packageOf(from), p -> new TreeMap<>());
            for (String to : namedClasses(model)) {
                if (!packageOf(to).equals(packageOf(from))) {
                    graph.computeIfAbsent(packageOf(from), p -> new TreeMap<>())
                            .computeIfAbsent(packageOf(to), p -> new TreeSet<>())
                            .add(from + " -> " + to);
                }
            }
        }
        writeGraph(graph);

        List<String> failures = new ArrayList<>();
        Set<Rules.Known> used = new HashSet<>();

        // every package is on the map
        for (String pkg : graph.keySet()) {
            if (rules.parts.keySet().stream().noneMatch(part -> rules.pattern(part, RULES, 0).matches(pkg))) {
                failures.add("package " + pkg + " is in no part: add it to a `part` line of " + RULES);
            }
        }

        // (b) never-arrows
        graph.forEach((from, tos) -> tos.forEach((to, why) -> {
            for (Rules.Never never : rules.nevers) {
                if (never.from.matches(from) && never.to.matches(to)) {
                    Rules.Known known = rules.known("arrow", from, to);
                    if (known != null) {
                        used.add(known);
                    } else {
                        failures.add("forbidden arrow " + from + " -> " + to + " (rule at line " + never.line
                                + ": " + never.text + ")\n" + indent(why));
                    }
                }
            }
        }));

        // (a) cycles, once the known arrows are taken out
        Map<String, Set<String>> remaining = new TreeMap<>();
        graph.forEach((from, tos) -> {
            remaining.computeIfAbsent(from, p -> new TreeSet<>());
            tos.keySet().forEach(to -> {
                Rules.Known known = rules.known("arrow", from, to);
                if (known != null) {
                    used.add(known);
                } else {
                    remaining.get(from).add(to);
                }
            });
        });
        for (Set<String> cycle : stronglyConnected(remaining)) {
            StringBuilder sb = new StringBuilder("package cycle " + cycle + ":\n");
            for (String from : cycle) {
                for (String to : remaining.getOrDefault(from, Set.of())) {
                    if (cycle.contains(to)) {
                        sb.append("  ").append(from).append(" -> ").append(to).append('\n')
                                .append(indent(indent(graph.get(from).get(to)))).append('\n');
                    }
                }
            }
            failures.add(sb.toString().stripTrailing());
        }

        // (c) the exported API names only exported types
        for (ClassModel model : models.values()) {
            if (!rules.isApi(model, models)) {
                continue;
            }
            String from = className(model.thisClass().asInternalName());
            for (String to : new TreeSet<>(apiNamedClasses(model))) {
                ClassModel target = models.get(to);
                if (target == null || rules.isApi(target, models)) {
                    continue;
                }
                Rules.Known known = rules.known("leak", from, to);
                if (known != null) {
                    used.add(known);
                } else {
                    failures.add("exported type " + from + " names " + to
                            + ", which is not API (non-public or not exported), as a supertype or in a public signature");
                }
            }
        }

        for (Rules.Known known : rules.knowns) {
            if (!used.contains(known)) {
                failures.add("known violation at line " + known.line + " of " + RULES + " is gone from the code: delete the line ("
                        + known.text + ")");
            }
        }
        assertThat(failures)
                .as("the architecture rules in %s (package graph: target/package-graph-classes.txt)", RULES)
                .isEmpty();
    }

    // --- reading the compiled classes ---

    private static Map<String, ClassModel> readClasses(Path classes) throws IOException {
        Map<String, ClassModel> models = new TreeMap<>();
        Path root = classes.resolve(ROOT.replace('.', '/'));
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                ClassModel model = ClassFile.of().parse(Files.readAllBytes(f));
                models.put(className(model.thisClass().asInternalName()), model);
            }
        }
        assertThat(models).as("compiled classes under %s", root).isNotEmpty();
        return models;
    }

    /** Every gevent4j class the class file names: class entries and the descriptors and signatures of its pool. */
    private static Set<String> namedClasses(ClassModel model) {
        Set<String> named = new TreeSet<>();
        for (PoolEntry entry : model.constantPool()) {
            if (entry instanceof ClassEntry c) {
                String name = c.asInternalName();
                if (name.startsWith("[")) {
                    addNamed(name, named);
                } else if (name.startsWith("io/gevent4j/")) {
                    named.add(className(name));
                }
            } else if (entry instanceof Utf8Entry u) {
                addNamed(u.stringValue(), named);
            }
        }
        return named;
    }

    /** The classes an exported class shows to its users: supertypes, and public or protected members' types. */
    private static Set<String> apiNamedClasses(ClassModel model) {
        Set<String> named = new TreeSet<>();
        model.superclass().ifPresent(s -> addInternal(s.asInternalName(), named));
        model.interfaces().forEach(i -> addInternal(i.asInternalName(), named));
        model.findAttribute(Attributes.signature()).ifPresent(s -> addNamed(s.signature().stringValue(), named));
        boolean extensible = !model.flags().has(AccessFlag.FINAL);
        for (FieldModel f : model.fields()) {
            if (shown(f.flags().has(AccessFlag.PUBLIC), f.flags().has(AccessFlag.PROTECTED), f.flags().has(AccessFlag.SYNTHETIC), extensible)) {
                addNamed(f.fieldType().stringValue(), named);
                f.findAttribute(Attributes.signature()).ifPresent(s -> addNamed(s.signature().stringValue(), named));
            }
        }
        for (MethodModel m : model.methods()) {
            boolean synthetic = m.flags().has(AccessFlag.SYNTHETIC) || m.flags().has(AccessFlag.BRIDGE);
            if (shown(m.flags().has(AccessFlag.PUBLIC), m.flags().has(AccessFlag.PROTECTED), synthetic, extensible)) {
                addNamed(m.methodType().stringValue(), named);
                m.findAttribute(Attributes.signature()).ifPresent(s -> addNamed(s.signature().stringValue(), named));
                m.findAttribute(Attributes.exceptions()).ifPresent(e -> e.exceptions().forEach(x -> addInternal(x.asInternalName(), named)));
            }
        }
        return named;
    }

    private static boolean shown(boolean isPublic, boolean isProtected, boolean synthetic, boolean extensible) {
        return !synthetic && (isPublic || (isProtected && extensible));
    }

    private static void addInternal(String internalName, Set<String> into) {
        if (internalName.startsWith("io/gevent4j/")) {
            into.add(className(internalName));
        }
    }

    private static void addNamed(String descriptorOrSignature, Set<String> into) {
        Matcher m = NAMED.matcher(descriptorOrSignature);
        while (m.find()) {
            into.add(className(m.group(1)));
        }
    }

    private static String className(String internalName) {
        return internalName.replace('/', '.');
    }

    private static String packageOf(String className) {
        return className.substring(0, className.lastIndexOf('.'));
    }

    private static Set<String> exportedPackages(Path classes) throws IOException {
        try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
            Set<String> exported = new TreeSet<>();
            ModuleDescriptor.read(in).exports().stream()
                    .filter(e -> !e.isQualified())
                    .forEach(e -> exported.add(e.source()));
            return exported;
        }
    }

    // --- the graph ---

    /** Tarjan's strongly connected components with more than one package: the cycles. */
    private static List<Set<String>> stronglyConnected(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new HashSet<>();
        List<Set<String>> result = new ArrayList<>();
        int[] counter = {0};
        for (String v : graph.keySet()) {
            if (!index.containsKey(v)) {
                connect(v, graph, index, low, stack, onStack, result, counter);
            }
        }
        return result;
    }

    private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index, Map<String, Integer> low,
            Deque<String> stack, Set<String> onStack, List<Set<String>> result, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]++);
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, onStack, result, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                result.add(component);
            }
        }
    }

    private static void writeGraph(Map<String, Map<String, SortedSet<String>>> graph) throws IOException {
        StringBuilder arrows = new StringBuilder();
        StringBuilder detail = new StringBuilder();
        graph.forEach((from, tos) -> tos.forEach((to, why) -> {
            arrows.append(from).append(" -> ").append(to).append('\n');
            detail.append(from).append(" -> ").append(to).append('\n').append(indent(why)).append('\n');
        }));
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/package-graph.txt"), arrows, StandardCharsets.UTF_8);
        Files.writeString(Path.of("target/package-graph-classes.txt"), detail, StandardCharsets.UTF_8);
    }

    private static String indent(Set<String> lines) {
        return indent(String.join("\n", lines));
    }

    private static String indent(String lines) {
        return "    " + lines.replace("\n", "\n    ");
    }

    // --- the rule file ---

    /**
     * {@code docs/architecture-rules.txt}: {@code part NAME = PATTERN...}, {@code never A -> B},
     * {@code known arrow A -> B}, {@code known leak a.Type -> b.Type}; {@code #} starts a comment.
     * A pattern is a part's name, {@code exported} (the packages {@code module-info} exports), a
     * package, or {@code pkg.**} (the package and those below it).
     */
    private static final class Rules {
        record Never(PackagePattern from, PackagePattern to, int line, String text) {}

        record Known(String kind, String from, String to, int line, String text) {}

        interface PackagePattern {
            boolean matches(String pkg);
        }

        final Map<String, List<String>> parts = new LinkedHashMap<>();
        final List<Never> nevers = new ArrayList<>();
        final List<Known> knowns = new ArrayList<>();
        final Set<String> exported;

        private Rules(Set<String> exported) {
            this.exported = exported;
        }

        static Rules read(Path file, Set<String> exported) throws IOException {
            Rules rules = new Rules(exported);
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String text = lines.get(i).strip();
                String rule = text.replaceFirst("\\s*#.*$", "").strip();
                if (rule.isEmpty()) {
                    continue;
                }
                int line = i + 1;
                String[] w = rule.split("\\s+");
                switch (w[0]) {
                    case "part" -> {
                        check(w.length >= 4 && w[2].equals("="), file, line, text);
                        rules.parts.put(w[1], List.of(w).subList(3, w.length));
                    }
                    case "never" -> {
                        check(w.length == 4 && w[2].equals("->"), file, line, text);
                        rules.nevers.add(new Never(rules.pattern(w[1], file, line), rules.pattern(w[3], file, line), line, text));
                    }
                    case "known" -> {
                        check(w.length == 5 && w[3].equals("->") && (w[1].equals("arrow") || w[1].equals("leak")), file, line, text);
                        rules.knowns.add(new Known(w[1], w[2], w[4], line, text));
                    }
                    default -> check(false, file, line, text);
                }
            }
            assertThat(rules.nevers).as("never-rules in %s", file).isNotEmpty();
            return rules;
        }

        private static void check(boolean ok, Path file, int line, String text) {
            assertThat(ok).as("%s line %d is not a rule: %s", file, line, text).isTrue();
        }

        PackagePattern pattern(String p, Path file, int line) {
            if (p.equals("exported")) {
                return exported::contains;
            }
            if (parts.containsKey(p)) {
                List<PackagePattern> each = new ArrayList<>();
                for (String q : parts.get(p)) {
                    each.add(pattern(q, file, line));
                }
                return pkg -> each.stream().anyMatch(m -> m.matches(pkg));
            }
            check(p.startsWith(ROOT), file, line, "unknown part or package " + p);
            if (p.endsWith(".**")) {
                String base = p.substring(0, p.length() - 3);
                return pkg -> pkg.equals(base) || pkg.startsWith(base + ".");
            }
            return p::equals;
        }

        Known known(String kind, String from, String to) {
            for (Known k : knowns) {
                if (k.kind.equals(kind) && k.from.equals(from) && k.to.equals(to)) {
                    return k;
                }
            }
            return null;
        }

        /** A type users can name: public (and so is every class it is nested in) in an exported package. */
        boolean isApi(ClassModel model, Map<String, ClassModel> models) {
            String name = className(model.thisClass().asInternalName());
            if (!exported.contains(packageOf(name)) || model.flags().has(AccessFlag.SYNTHETIC)) {
                return false;
            }
            if (!model.flags().has(AccessFlag.PUBLIC)) {
                return false;
            }
            // A nested class's real access is in its InnerClasses entry.
            var inner = model.findAttribute(Attributes.innerClasses());
            if (inner.isPresent()) {
                for (InnerClassInfo info : inner.get().classes()) {
                    if (info.innerClass().asInternalName().equals(model.thisClass().asInternalName())) {
                        if (!info.has(AccessFlag.PUBLIC) || info.outerClass().isEmpty()) {
                            return false; // not public, or local/anonymous
                        }
                        ClassModel outer = models.get(className(info.outerClass().get().asInternalName()));
                        return outer != null && isApi(outer, models);
                    }
                }
            }
            return true;
        }
    }
}
