import Tensors

/// An ordered list of sub-modules named `0`, `1`, `2`, … as PyTorch's
/// `nn.ModuleList`, so `resnets.1.conv1.weight` addresses the second element.
///
/// `Element` may be a concrete module type (typed access to each element) or
/// an existential such as `any Module` or `any MyBlock` for mixed lists; in
/// the latter case pass how an element is seen as a module (`{ $0 }`).
public final class ModuleList<Element>: Module {
    /// The elements in order.
    public private(set) var elements: [Element]
    private let asModule: (Element) -> any Module

    /// A list of `elements`, each viewed as a module through `asModule`.
    public init(_ elements: [Element], asModule: @escaping (Element) -> any Module) {
        self.elements = elements
        self.asModule = asModule
    }

    /// Appends an element; it is named by its index.
    public func append(_ element: Element) {
        elements.append(element)
    }

    /// The elements, named `0`, `1`, `2`, ….
    public var children: [(name: String, module: any Module)] {
        elements.enumerated().map { (String($0.offset), asModule($0.element)) }
    }

    /// The number of elements.
    public var count: Int { elements.count }

    /// The element at `index`.
    public subscript(index: Int) -> Element { elements[index] }
}

extension ModuleList where Element: Module {
    /// A list of modules of one concrete type.
    public convenience init(_ elements: [Element]) {
        self.init(elements, asModule: { $0 })
    }
}

extension ModuleList where Element == any Module {
    /// A list of modules of any types.
    public convenience init(_ elements: [any Module]) {
        self.init(elements, asModule: { $0 })
    }
}

extension ModuleList: Sequence {
    /// Iterates over the elements in order.
    public func makeIterator() -> IndexingIterator<[Element]> { elements.makeIterator() }
}
